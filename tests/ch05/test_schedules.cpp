// Early stopping bookkeeping, learning-rate schedules and parsing: plain
// logic outside the exercises.
#include <catch2/catch.hpp>

#include "ch05/optimizers.hpp"
#include "ch05/regularization.hpp"
#include "nn/error.hpp"

using namespace nn;
using namespace nn::ch05;

TEST_CASE("early stopping: patience counts epochs without a new best", "[ch05][schedule]") {
  EarlyStopping s(2);
  CHECK(s.update(0, 0.80));
  CHECK(s.update(1, 0.85));
  CHECK_FALSE(s.update(2, 0.84));
  CHECK_FALSE(s.should_stop());
  CHECK_FALSE(s.update(3, 0.85));  // equal is not better
  CHECK(s.should_stop());
  CHECK(s.best_epoch() == 1);
  CHECK(s.best_accuracy() == 0.85);
  EarlyStopping off(0);
  for (int e = 0; e < 10; ++e) off.update(e, 0.5);
  CHECK_FALSE(off.should_stop());
}

TEST_CASE("schedules: step decay and divide-by-ten on plateau", "[ch05][schedule]") {
  Schedule step(Schedule::Kind::Step, 0.1, 3, 0.5);
  std::vector<double> rates;
  for (int e = 0; e < 7; ++e) rates.push_back(step.after_epoch(e, 0.0));
  CHECK(rates == std::vector<double>{0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025});

  Schedule plateau(Schedule::Kind::Plateau, 1.0, 10, 0.1, 2);
  CHECK(plateau.after_epoch(0, 0.5) == 1.0);
  CHECK(plateau.after_epoch(1, 0.6) == 1.0);
  CHECK(plateau.after_epoch(2, 0.6) == 1.0);
  CHECK(plateau.after_epoch(3, 0.55) == Approx(0.1));  // two epochs without improvement
  CHECK(plateau.after_epoch(4, 0.59) == Approx(0.1));
  CHECK(plateau.after_epoch(5, 0.7) == Approx(0.1));
  Schedule none(Schedule::Kind::None, 0.3);
  CHECK(none.after_epoch(100, 0.0) == 0.3);
}

TEST_CASE("optimiser and schedule names parse, and bad names are errors", "[ch05][schedule]") {
  for (OptimizerKind k : all_optimizers()) CHECK(parse_optimizer(name(k)) == k);
  CHECK_THROWS_WITH(parse_optimizer("adamw"), Catch::Contains("unknown optimizer 'adamw'"));
  CHECK_THROWS_AS(Schedule::parse("cosine"), Error);
  CHECK_THROWS_AS(parse_init("zeros"), Error);
}
