// Chapter 10: batch norm's AVX-512 kernels (nn/batchnorm_kernels.hpp) and
// the reference loops of exercises 10.1 and 10.2 run in float, both
// against the reference loops in double, on shapes that do not fill a
// register: runs of 35 and 16 positions, a single position, dense outputs
// of 5 and 37 features, and a split of the features between two calls (as
// the threads make it).
//
// The bound: float rounding over sums of M values. Measured against double,
// relative to the largest |value| of each output: the kernels (16 lanes
// per image, added in double) within 2.8e-6, the float reference loops
// (one running float sum) within 6.7e-6. The test allows 1e-5 for both; a
// wrong feature, a missing term or a wrong mask gives errors of order 1.
#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include <catch2/catch.hpp>

#include "ch10/batchnorm.hpp"
#include "nn/batchnorm_kernels.hpp"
#include "nn/rng.hpp"
#include "test_util.hpp"

using namespace nn;

namespace {

double relative(const Tensor<float>& got, const Tensor<double>& want) {
  double err = 0, scale = 0;
  for (std::int64_t i = 0; i < want.size(); ++i) {
    err = std::max(err, std::abs(static_cast<double>(got[i]) - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  REQUIRE(scale > 0);
  return err / scale;
}

}  // namespace

TEST_CASE("ex10.1 ex10.2 batch norm: the AVX-512 kernels agree with the reference loops", "[ch10][ex10.1][ex10.2][simd]") {
  const bool avx512 = test::cpu_has(SimdLevel::Avx512);
  if (!avx512) WARN("no AVX-512 on this CPU: the kernels are not run, only the reference loops");
  Rng rng(1012);
  // Planes of 35, 16 and 1 value (tails, one register, none), and the
  // ResNet parity test's 12×12, 6×6 and a 28×28 (runs of several registers).
  for (const Shape& shape : {Shape{3, 17, 5, 7}, Shape{2, 5, 4, 4}, Shape{9, 3, 1, 1}, Shape{6, 4, 12, 12},
                             Shape{6, 32, 6, 6}, Shape{2, 3, 28, 28}, Shape{6, 37}, Shape{4, 5}}) {
    const std::int64_t C = shape[1], plane = shape.rank() == 4 ? shape[2] * shape[3] : 1;
    Tensor<float> x(shape), dy(shape), gamma(Shape{C}), beta(Shape{C});
    for (std::int64_t i = 0; i < x.size(); ++i)
      x[i] = static_cast<float>(2.0 * static_cast<double>((i / plane) % C) + rng.uniform(-1.5, 1.5));
    for (float& v : dy) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    for (float& v : gamma) v = static_cast<float>(rng.uniform(0.5, 2.0));
    for (float& v : beta) v = static_cast<float>(rng.uniform(-1.0, 1.0));
    // the reference loops in double, and in float
    auto to_double = [](const Tensor<float>& t) {
      Tensor<double> d(t.shape());
      for (std::int64_t i = 0; i < t.size(); ++i) d[i] = static_cast<double>(t[i]);
      return d;
    };
    const Tensor<double> xd = to_double(x), dyd = to_double(dy), gd = to_double(gamma), bd = to_double(beta);
    Tensor<double> y(shape), xhat(shape), mean(Shape{C}), inv_std(Shape{C}), dx(shape), dg(Shape{C}), db(Shape{C});
    ch10::batchnorm_forward_train<double>(y.view(), xhat.view(), mean.view(), inv_std.view(), xd.view(), gd.view(),
                                          bd.view(), 1e-5);
    ch10::batchnorm_backward<double>(dx.view(), dg.view(), db.view(), dyd.view(), xhat.view(), inv_std.view(),
                                     gd.view());
    Tensor<float> fy(shape), fxhat(shape), fmean(Shape{C}), finv(Shape{C}), fdx(shape), fdg(Shape{C}), fdb(Shape{C});
    ch10::batchnorm_forward_train<float>(fy.view(), fxhat.view(), fmean.view(), finv.view(), x.view(), gamma.view(),
                                         beta.view(), 1e-5);
    ch10::batchnorm_backward<float>(fdx.view(), fdg.view(), fdb.view(), dy.view(), fxhat.view(), finv.view(),
                                    gamma.view());
    for (const auto& [name, got, want] : {std::tuple{"y", &fy, &y}, {"xhat", &fxhat, &xhat}, {"dx", &fdx, &dx},
                                          {"dgamma", &fdg, &dg}, {"dbeta", &fdb, &db}}) {
      INFO("float reference loops, " << name);
      CHECK(relative(*got, *want) <= 1e-5);
    }
    if (!avx512) continue;
    // the kernels, the features in two calls
    Tensor<float> ky(shape), kxhat(shape), kmean(Shape{C}), kinv(Shape{C}), kdx(shape), kdg(Shape{C}), kdb(Shape{C});
    const std::int64_t split = C / 2;
    for (auto [c0, c1] : {std::pair{std::int64_t{0}, split}, std::pair{split, C}}) {
      const kernels::BatchNormArgs a{shape[0], C, plane, c0, c1};
      kernels::batchnorm_forward_train_avx512(x.data(), ky.data(), kxhat.data(), kmean.data(), kinv.data(),
                                              gamma.data(), beta.data(), 1e-5f, a);
      kernels::batchnorm_backward_avx512(kdx.data(), kdg.data(), kdb.data(), dy.data(), kxhat.data(), kinv.data(),
                                         gamma.data(), a);
    }
    INFO("shape " << shape.str());
    CHECK(relative(ky, y) <= 1e-5);
    CHECK(relative(kxhat, xhat) <= 1e-5);
    CHECK(relative(kmean, mean) <= 1e-5);
    CHECK(relative(kinv, inv_std) <= 1e-5);
    CHECK(relative(kdx, dx) <= 1e-5);
    CHECK(relative(kdg, dg) <= 1e-5);
    CHECK(relative(kdb, db) <= 1e-5);
  }
}
