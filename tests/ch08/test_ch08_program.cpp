// The ch08_lenet5 program: --help works, bad input gets a clear message and
// a non-zero exit status, and a short run on a small synthetic data set
// writes every promised file (best and last checkpoints, confusion matrix,
// misclassified examples, inference throughput), as does --eval.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "nn/rng.hpp"
#include "test_util.hpp"

namespace fs = std::filesystem;

namespace {
const std::string kCh08 = std::string(NN_BIN_DIR) + "/ch08_lenet5";

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool has_gnuplot() { return std::system("command -v gnuplot >/dev/null 2>&1") == 0; }

bool non_empty(const fs::path& p) { return fs::is_regular_file(p) && fs::file_size(p) > 0; }
}  // namespace

TEST_CASE("ch08_lenet5 --help describes the flags and exits 0", "[ch08][cli]") {
  const auto r = nn::test::run_command(kCh08 + " --help");
  INFO(r.output);
  CHECK(r.status == 0);
  for (const char* flag :
       {"--epochs", "--batch", "--threads", "--optimizer", "--lr", "--data", "--eval", "--patience", "--limit-train"})
    CHECK(r.output.find(flag) != std::string::npos);
}

TEST_CASE("ch08_lenet5 rejects bad counts, a missing checkpoint and unknown flags", "[ch08][cli]") {
  for (const char* bad :
       {"--no-such-flag", "--epochs=0", "--epochs=abc", "--batch=0", "--eval=/no/such/file", "--patience=-1"}) {
    const auto r = nn::test::run_command(kCh08 + " " + bad + " --out /tmp/nn_test_unused");
    INFO(bad << ": " << r.output);
    CHECK(r.status != 0);
  }
}

TEST_CASE("ch08_lenet5 --variant takes modern or 1998 and rejects anything else by name", "[ch08][cli]") {
  for (const char* ok : {"--variant 1998 --help", "--variant=modern --help", "--help"}) {
    const auto r = nn::test::run_command(kCh08 + " " + ok);
    INFO(ok << ": " << r.output);
    CHECK(r.status == 0);
    CHECK(r.output.find("--variant") != std::string::npos);
    CHECK(r.output.find("1998") != std::string::npos);
  }
  for (const char* bad : {"--variant 1999", "--variant=lenet", "--variant="}) {
    const auto r = nn::test::run_command(kCh08 + " " + bad + " --out /tmp/nn_test_unused");
    INFO(bad << ": " << r.output);
    CHECK(r.status != 0);
    CHECK(r.output.find("--variant") != std::string::npos);  // names the flag
    CHECK(r.output.find("modern") != std::string::npos);     // and the choices
    CHECK(r.output.find("1998") != std::string::npos);
  }
}

TEST_CASE("ch08_lenet5 --variant 1998 trains the paper's network and evaluates its checkpoint", "[ch08][cli]") {
  nn::test::TempDir data("nn_ch08_1998_fashion_data"), out("nn_ch08_1998_out"), eval_out("nn_ch08_1998_eval_out");
  nn::test::write_idx(data.path, "train", 300, false, 83);
  nn::test::write_idx(data.path, "t10k", 100, true, 84);
  const std::string common = " --variant 1998 --data " + data.path.string();
  const auto r = nn::test::run_command(kCh08 + common + " --validation 100 --epochs 1 --out " + out.path.string());
  INFO(r.output);
  if (r.output.find("is not implemented yet") != std::string::npos) {
    WARN("skipped in the exercise build until the layers' backward passes are done");
    return;
  }
  REQUIRE(r.status == 0);
  CHECK(r.output.find("LeNet-5 (1998)") != std::string::npos);
  CHECK(r.output.find("Table I") != std::string::npos);
  CHECK(r.output.find("60850") != std::string::npos);  // the layer table's total
  CHECK(non_empty(out.path / "best.safetensors"));
  CHECK(non_empty(out.path / "summary.csv"));
  const std::string best = (out.path / "best.safetensors").string();
  const auto e = nn::test::run_command(kCh08 + common + " --eval " + best + " --out " + eval_out.path.string());
  INFO(e.output);
  CHECK(e.status == 0);
  // The modern network cannot load it: its tensors have other names.
  const auto wrong = nn::test::run_command(kCh08 + " --data " + data.path.string() + " --eval " + best + " --out " +
                                           eval_out.path.string());
  INFO(wrong.output);
  CHECK(wrong.status != 0);
}

TEST_CASE("ch08_lenet5 writes the best and last checkpoints, confusion matrix, misclassified examples and throughput",
          "[ch08][cli]") {
  // "fashion" in the folder's name: the program then names Fashion-MNIST's classes.
  nn::test::TempDir data("nn_ch08_fashion_data"), out("nn_ch08_out"), eval_out("nn_ch08_eval_out");
  nn::test::write_idx(data.path, "train", 400, false, 81);
  nn::test::write_idx(data.path, "t10k", 200, true, 82);
  const std::string common = " --data " + data.path.string() + " --validation 100";

  // --validation must leave training images.
  const auto too_many = nn::test::run_command(kCh08 + " --data " + data.path.string() +
                                              " --validation 400 --out " + out.path.string());
  INFO(too_many.output);
  CHECK(too_many.status != 0);
  CHECK(too_many.output.find("--validation") != std::string::npos);

  const auto r = nn::test::run_command(kCh08 + common + " --epochs 2 --out " + out.path.string());
  INFO(r.output);
  if (r.output.find("is not implemented yet") != std::string::npos) {
    WARN("skipped in the exercise build until exercise 8.1 is done");
    return;
  }
  REQUIRE(r.status == 0);
  CHECK(r.output.find("best epoch: ") != std::string::npos);
  CHECK(r.output.find("images/s (the test set at batch 500") != std::string::npos);
  CHECK(r.output.find("confusion (rows: true class") != std::string::npos);
  for (const char* name : {"best.safetensors", "model.safetensors", "epochs.csv", "summary.csv", "misclassified.csv",
                           "misclassified.png"}) {
    INFO(name);
    CHECK(non_empty(out.path / name));
  }
  if (has_gnuplot()) {
    CHECK(non_empty(out.path / "confusion.png"));
    CHECK(non_empty(out.path / "loss.png"));
    CHECK(non_empty(out.path / "accuracy.png"));
  }
  const std::string summary = read_text(out.path / "summary.csv");
  for (const char* metric : {"test_accuracy,", "best_epoch,", "best_validation_accuracy,",
                             "inference_images_per_second,", "inference_batch,500"}) {
    INFO(metric);
    CHECK(summary.find(metric) != std::string::npos);
  }
  const std::string missed = read_text(out.path / "misclassified.csv");
  CHECK(missed.rfind("index,true_label,predicted_label,true_class,predicted_class\n", 0) == 0);
  CHECK(missed.find("\"Ankle boot\"") != std::string::npos);  // class names, not numbers

  const auto e = nn::test::run_command(kCh08 + " --data " + data.path.string() + " --eval " +
                                       (out.path / "best.safetensors").string() + " --out " + eval_out.path.string());
  INFO(e.output);
  REQUIRE(e.status == 0);
  CHECK(e.output.find("images/s (the test set at batch 500") != std::string::npos);
  CHECK(non_empty(eval_out.path / "misclassified.png"));
  CHECK(non_empty(eval_out.path / "misclassified.csv"));
  CHECK(read_text(eval_out.path / "eval_summary.csv").find("inference_images_per_second,") != std::string::npos);
  if (has_gnuplot()) CHECK(non_empty(eval_out.path / "confusion.png"));
  // The best checkpoint's test accuracy, as printed after training and by --eval.
  const auto accuracy_line = [](const std::string& text) {
    const auto at = text.find("test accuracy ");
    return at == std::string::npos ? std::string() : text.substr(at, text.find('%', at) - at);
  };
  CHECK(!accuracy_line(r.output).empty());
  CHECK(accuracy_line(r.output) == accuracy_line(e.output));
}

TEST_CASE("ch08_lenet5 --resume continues a run to the uninterrupted run's weights, and refuses another network's "
          "checkpoint",
          "[ch08][cli]") {
  nn::test::TempDir data("nn_ch08_resume_fashion_data"), whole("nn_ch08_resume_whole"), part("nn_ch08_resume_part"),
      rest("nn_ch08_resume_rest");
  nn::test::write_idx(data.path, "train", 400, false, 85);
  nn::test::write_idx(data.path, "t10k", 100, false, 86);
  // Two threads, slices of the batch on both, Adam (state per parameter) and a schedule cut at epoch 2.
  const std::string common = " --data " + data.path.string() +
                             " --validation 100 --threads 2 --optimizer adam --lr 0.002 --step 2 --shift 1";
  const auto a = nn::test::run_command(kCh08 + common + " --epochs 3 --out " + whole.path.string());
  INFO(a.output);
  if (a.output.find("is not implemented yet") != std::string::npos) {
    WARN("skipped in the exercise build until the layers' backward passes are done");
    return;
  }
  REQUIRE(a.status == 0);
  const auto b = nn::test::run_command(kCh08 + common + " --epochs 2 --out " + part.path.string());
  INFO(b.output);
  REQUIRE(b.status == 0);
  const std::string checkpoint = (part.path / "checkpoint.safetensors").string();
  const auto c = nn::test::run_command(kCh08 + common + " --epochs 3 --resume " + checkpoint + " --out " +
                                       rest.path.string());
  INFO(c.output);
  REQUIRE(c.status == 0);
  CHECK(c.output.find("epoch   3") != std::string::npos);
  CHECK(c.output.find("epoch   1") == std::string::npos);  // epochs 1 and 2 come from the checkpoint
  CHECK(read_text(rest.path / "model.safetensors") == read_text(whole.path / "model.safetensors"));
  // The 1998 network has other tensors: the checkpoint is refused, naming one.
  const auto wrong = nn::test::run_command(kCh08 + common + " --variant 1998 --epochs 3 --resume " + checkpoint +
                                           " --out " + rest.path.string());
  INFO(wrong.output);
  CHECK(wrong.status != 0);
  CHECK(wrong.output.find("does not match the model") != std::string::npos);
  CHECK(wrong.output.find("s2.weight") != std::string::npos);
}
