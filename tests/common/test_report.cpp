// CSV output and its errors.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "nn/report.hpp"

using namespace nn;
namespace fs = std::filesystem;

TEST_CASE("csv: header and rows are written", "[common][report]") {
  const fs::path dir = fs::temp_directory_path() / "nn_test_csv";
  fs::remove_all(dir);
  {
    CsvWriter csv(dir / "sub" / "a.csv", {"epoch", "loss"});
    csv.row({1, 0.5});
    csv.row({2, 0.25});
  }
  std::ifstream in(dir / "sub" / "a.csv");
  std::stringstream s;
  s << in.rdbuf();
  CHECK(s.str() == "epoch,loss\n1,0.5\n2,0.25\n");
  fs::remove_all(dir);
}

TEST_CASE("csv: rows are on disk as soon as written, and append goes on after a resumed run's rows",
          "[common][report]") {
  const fs::path dir = fs::temp_directory_path() / "nn_test_csv3";
  fs::remove_all(dir);
  auto text = [&] {
    std::ifstream in(dir / "e.csv");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  {
    CsvWriter csv(dir / "e.csv", {"epoch", "loss"});
    csv.row({1, 0.5});
    CHECK(text() == "epoch,loss\n1,0.5\n");  // flushed while the writer is still open (a killed run keeps it)
  }
  {
    CsvWriter csv(dir / "e.csv", {"epoch", "loss"}, true);
    csv.row({2, 0.25});
  }
  CHECK(text() == "epoch,loss\n1,0.5\n2,0.25\n");
  CHECK_THROWS_WITH(CsvWriter(dir / "e.csv", {"epoch", "accuracy"}, true),
                    Catch::Contains("its header is 'epoch,loss', expected 'epoch,accuracy'"));
  CHECK(text() == "epoch,loss\n1,0.5\n2,0.25\n");  // refused: nothing lost
  {
    CsvWriter csv(dir / "new.csv", {"a"}, true);  // nothing to append to: a new file with its header
    csv.row({7});
  }
  std::ifstream in(dir / "new.csv");
  std::stringstream s;
  s << in.rdbuf();
  CHECK(s.str() == "a\n7\n");
  fs::remove_all(dir);
}

TEST_CASE("csv: a row with the wrong column count and an unwritable path are errors", "[common][report]") {
  const fs::path dir = fs::temp_directory_path() / "nn_test_csv2";
  CsvWriter csv(dir / "b.csv", {"a", "b"});
  CHECK_THROWS_WITH(csv.row({1.0}), Catch::Contains("row has 1 values, header has 2"));
  CHECK_THROWS_WITH(CsvWriter("/proc/nn_no_such_dir/x.csv", {"a"}), Catch::Contains("/proc/nn_no_such_dir"));
  fs::remove_all(dir);
}
