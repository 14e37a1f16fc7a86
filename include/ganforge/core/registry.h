// The names ganforge knows, each once, with what the rest of the code needs to know about it: datasets,
// architectures, adversarial losses and metrics. LibTorch-free, so the config schema (config.cpp) takes its
// allowed values from here; the LibTorch side dispatches on the same names (data/dataset.cpp,
// models/registry.cpp, losses/adversarial.cpp, eval/evaluate.cpp), and tests/test_registry.cpp checks that
// every name here has an implementation there. docs/design.md shows what adding one touches.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ganforge::registry {

enum class DataKind { kImages, kPoints };

struct DatasetEntry {
  const char* name;
  DataKind kind;
  int64_t eval_n;         // samples `ganforge eval` draws by default (the published protocols' counts)
  const char* evaluator;  // the built-in evaluator recipe that measures it ("": none, bring --features)
  bool per_channel;       // the evaluator reads each channel as one image and names a class per channel
  const char* help;
};

struct ArchEntry {
  const char* name;
  const char* help;
};

struct LossEntry {
  const char* name;
  const char* help;
};

// A row of `ganforge eval`'s table: printed when the generated result has `key`.
struct TableRow {
  enum Kind { kNumber, kMeanStd, kOfTotal };
  const char* label;
  const char* key;            // the result's field
  const char* field;          // "": the value itself; else this field of it ("mean", "accuracy", "covered")
  Kind kind;                  // a number; "mean +- std" of an object; "field/of" of an object
  const char* format;         // printf format of the number(s)
  double scale;               // the number is multiplied by this (KID is shown x 1000)
  const char* floor_missing;  // shown in the real-floor column when the floor has no such value
};

// A metric as `ganforge eval --metrics` and train.eval_metrics name it; `keys` are the fields it writes into
// a result line (a number, or an object whose "mean" is the number).
struct MetricEntry {
  const char* name;
  std::vector<std::string> keys;
  bool lower_is_better;
  bool needs_classes;    // needs an extractor with class probabilities
  bool needs_features;   // compares features with the real reference (loads the train split's features)
  bool by_default;       // measured when no list is given (else only when named: CAS trains a classifier)
  bool during_training;  // may be in train.eval_metrics
  bool scalar;           // its keys are numbers a run can be ranked by (train.eval_best); `classes` is a table
  const char* help;
  std::vector<TableRow> table;  // how `ganforge eval` prints it
};

const std::vector<DatasetEntry>& datasets();
const std::vector<ArchEntry>& architectures();
const std::vector<LossEntry>& losses();
const std::vector<MetricEntry>& metrics();

// By name; a UserError naming `what` (e.g. "data.dataset") and listing the known names for an unknown one.
const DatasetEntry& dataset(const std::string& name, const std::string& what = "dataset");
const LossEntry& loss(const std::string& name, const std::string& what = "loss.type");
const MetricEntry& metric(const std::string& name, const std::string& what = "metric");
const MetricEntry* find_metric(const std::string& name);  // null if unknown
// The metric that writes `key` (precision -> pr); null if none.
const MetricEntry* metric_of_key(const std::string& key);

// Names, for schema choices and messages.
std::vector<std::string> dataset_names();
std::vector<std::string> arch_names();
std::vector<std::string> loss_names();
std::vector<std::string> metric_names();
std::vector<std::string> metric_keys();  // every key of every scalar metric, in registry order
std::string joined(const std::vector<std::string>& names);  // "a, b, c"

}  // namespace ganforge::registry
