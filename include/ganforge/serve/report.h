// `ganforge report`: one self-contained HTML file of a run (curves, final grid, evaluations, config) that
// opens offline, Chart.js and the images inlined.
#pragma once

#include <string>

namespace ganforge::serve {

// The report of the run in `run_dir`. UserError when it is not a run.
std::string report_html(const std::string& run_dir);

}  // namespace ganforge::serve
