// The dashboard's files (src/serve/page/*, Chart.js from Debian's libjs-chart.js), compiled into the program
// by cmake/embed.cmake: the page works with no internet and no installed files.
#pragma once

#include <cstddef>
#include <string>

namespace ganforge::serve {

struct Asset {
  const char* data;
  size_t size;
  const char* type;  // MIME type
};

// "index.html", "dashboard.js", "style.css", "chart.js"; null for any other name.
const Asset* find_asset(const std::string& name);

}  // namespace ganforge::serve
