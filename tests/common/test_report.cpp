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

TEST_CASE("csv: a row with the wrong column count and an unwritable path are errors", "[common][report]") {
  const fs::path dir = fs::temp_directory_path() / "nn_test_csv2";
  CsvWriter csv(dir / "b.csv", {"a", "b"});
  CHECK_THROWS_WITH(csv.row({1.0}), Catch::Contains("row has 1 values, header has 2"));
  CHECK_THROWS_WITH(CsvWriter("/proc/nn_no_such_dir/x.csv", {"a"}), Catch::Contains("/proc/nn_no_such_dir"));
  fs::remove_all(dir);
}
