// A user's TorchScript feature extractor (`--features FILE.pt`), e.g. the Inception network traced for FID.
// Kept in its own translation unit: torch/script.h is heavy to compile.
#include <torch/script.h>

#include <filesystem>
#include <sstream>

#include "ganforge/core/error.h"
#include "ganforge/eval/evaluator.h"
#include "ganforge/io/fs.h"
#include "ganforge/io/zip_check.h"

namespace ganforge::evaluator {

namespace {

class TorchScript : public Extractor {
 public:
  torch::jit::script::Module module;
  Outputs compute(const torch::Tensor& images) override {
    c10::IValue out;
    try {
      out = module.forward({images});
    } catch (const c10::Error& e) {
      throw UserError(path + ": forward failed on images of shape " + c10::str(images.sizes()) + " (" +
                      std::string(e.what_without_backtrace()).substr(0, 200) + ")");
    }
    if (out.isTuple()) out = out.toTupleRef().elements().at(0);  // (features, ...): the first
    if (!out.isTensor()) throw UserError(path + ": forward must return a tensor of features");
    return {out.toTensor().flatten(1), {}};
  }
  bool has_classes() const override { return false; }
};

}  // namespace

std::unique_ptr<Extractor> load_torchscript(const std::string& path) {
  const auto bytes = fs::read_file_bytes(path);  // UserError if missing; also gives the hash
  auto ex = std::make_unique<TorchScript>();
  require_intact_zip(bytes, path, "not a loadable TorchScript module");
  try {
    std::istringstream in(std::string(bytes.begin(), bytes.end()));
    ex->module = torch::jit::load(in);
  } catch (const c10::Error& e) {
    throw UserError(path + ": not a loadable TorchScript module (" +
                    std::string(e.what_without_backtrace()).substr(0, 200) + ")");
  } catch (const std::exception& e) {  // torch::jit::ErrorReport from the TorchScript source parser
    throw UserError(path + ": not a loadable TorchScript module (" + std::string(e.what()).substr(0, 200) + ")");
  }
  ex->module.eval();
  ex->name = "torchscript:" + std::filesystem::path(path).filename().string();
  ex->path = path;
  ex->hash = fs::fnv1a64_hex(bytes.data(), bytes.size());
  return ex;
}

}  // namespace ganforge::evaluator
