// Integrity check of a zip archive (the container of LibTorch checkpoints, evaluator files and TorchScript
// modules) before LibTorch parses it. LibTorch 1.13 does not verify the CRC-32 that each zip entry carries,
// and its TorchScript source parser crashes (SIGSEGV) on some one-bit changes of an archive's code/ files
// (found by tests/fuzz/fuzz_checkpoint.cpp): checking every entry's CRC first turns any accidental
// corruption into a clear error. An archive with consistent CRCs and altered code is refused too when it is
// one of ganforge's own (checkpoints, evaluators, feature caches): their code/ files only ever declare
// attributes, in a handful of line forms, and anything else is refused before LibTorch parses it (the
// checkpoint fuzzer, whose mutator keeps CRCs valid, found the crash in seconds before this check). A
// TorchScript model (eval --features) holds real code: load those only from sources you trust, as with
// PyTorch itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ganforge {

// "" when DATA is a zip archive whose central directory, local headers and entries are all in bounds and
// every entry (stored or deflated) matches its CRC-32 and size; otherwise what is wrong, e.g.
// "entry 'archive/data.pkl' fails its CRC-32".
std::string zip_problem(const uint8_t* data, size_t size);
// zip_problem, then: every code/*.py entry is stored and each of its lines is one that the writer of
// torch::serialize::OutputArchive produces for a module's attributes; otherwise what is wrong.
std::string archive_code_problem(const uint8_t* data, size_t size);
// A UserError "PATH: REFUSAL (what is wrong)" unless zip_problem(BYTES) is "".
void require_intact_zip(const std::vector<uint8_t>& bytes, const std::string& path, const std::string& refusal);
// The same for archive_code_problem: for archives ganforge wrote (checkpoints, evaluators, caches).
void require_ganforge_archive(const std::vector<uint8_t>& bytes, const std::string& path, const std::string& refusal);

}  // namespace ganforge
