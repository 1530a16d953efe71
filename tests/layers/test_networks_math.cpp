// Networks built from the layer library, math: chapter 7's CNN and LeNet-5
// (the lecture's, in slices, and the 1998 paper's) end to end by finite
// differences; LeNet-5 as a list of layers against the hand-wired one (the
// same logits and gradients, each loading the other's checkpoints); the
// steady-state training step allocating nothing; checkpoints that round-trip,
// refuse what does not match the model, and resume to the uninterrupted
// run's weights bit for bit. Every test runs a backward pass, so each needs
// the exercises of the layers involved (2.x, 3.1, 5.1, 6.2, 7.1-7.5, 7.8).
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include "ch07/cnn.hpp"
#include "ch08/lenet1998.hpp"
#include "ch08/lenet5.hpp"
#include "ch08/lenet5_network.hpp"
#include "layer_check.hpp"
#include "layers/train.hpp"
#include "nn/error.hpp"
#include "nn/safetensors.hpp"
#include "nn/threads.hpp"

using namespace nn;
using namespace nn::layers;

namespace {

ch07::CnnConfig tiny() {
  ch07::CnnConfig c;
  c.channels = 1;
  c.height = c.width = 8;
  c.classes = 4;
  c.filters1 = 3;
  c.filters2 = 4;
  c.kernel = 3;
  return c;
}

// 8x8 images; the class is the quadrant holding a bright 2x2 blob.
Dataset blobs(std::int64_t n, std::uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.name = "blobs";
  d.num_classes = 4;
  d.images = Tensor<float>(Shape{n, 1, 8, 8});
  for (std::int64_t i = 0; i < n; ++i) {
    const int cls = static_cast<int>(rng.below(4));
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) d.images(i, 0, y, x) = static_cast<float>(rng.uniform(0, 0.3));
    const int top = (cls / 2) * 4 + static_cast<int>(rng.below(3)), left = (cls % 2) * 4 + static_cast<int>(rng.below(3));
    for (int y = 0; y < 2; ++y)
      for (int x = 0; x < 2; ++x) d.images(i, 0, top + y, left + x) += 0.7f;
    d.labels.push_back(static_cast<std::uint8_t>(cls));
  }
  return d;
}

template <typename T>
std::vector<T> values_of(TensorView<const T> t) {
  return std::vector<T>(t.begin(), t.end());
}

std::vector<float> all_values(Network<float>& net) {
  std::vector<float> v;
  for (auto& p : net.parameters()) v.insert(v.end(), p.value.begin(), p.value.end());
  return v;
}

ch05::OptimizerConfig classic() {
  ch05::OptimizerConfig c;
  c.kind = ch05::OptimizerKind::Classic;
  return c;
}

// Entries below 1e-3 held to an absolute 1e-10, the rest to a relative 1e-7
// (the centred difference of L ≈ 1..3 carries a rounding error of about
// ε|L|/h ≈ 5e-11).
GradCheckOptions network_options() {
  GradCheckOptions o;
  o.tiny = 1e-3;
  o.max_samples = 64;
  return o;
}

}  // namespace

TEST_CASE("ex7.2 ex7.4 ex7.8 the small CNN's gradients match finite differences", "[ch07][layers][ex7.2][ex7.4][ex7.8]") {
  Rng rng(76);
  Network<double> net = ch07::make_cnn<double>(tiny(), rng);
  for (auto& p : net.parameters())
    if (!p.decayed) fill_uniform(rng, p.value.span(), -0.1, 0.1);  // non-zero biases
  Tensor<double> x(Shape{3, 1, 8, 8});
  fill_uniform(rng, x.span(), 0, 1);
  // ReLU and max-pool are piecewise linear: with random inputs no
  // pre-activation or tie lies within h = 1e-5 of a kink.
  test::check_network(net, x, {0, 3, 1}, network_options());
}

TEST_CASE("ex7.8 LeNet-5 as a list of layers, in slices of two: gradients match finite differences",
          "[ch08][layers][ex7.8]") {
  // Five images in slices of two (the last one shorter), on one thread and
  // on two (each with its own copy of c1 … s4): the slice bookkeeping, the
  // re-lowering of each slice and the slices' gradient sums are on the path.
  for (int threads : {1, 2}) {
    INFO(threads << " thread(s)");
    const test::RestoreThreads restore;
    set_num_threads(threads);
    Rng rng(84);
    Network<double> net = ch08::lenet5_network<double>(rng, 2);
    for (auto& p : net.parameters())
      if (!p.decayed) fill_uniform(rng, p.value.span(), -0.1, 0.1);
    Tensor<double> x(Shape{5, 1, 28, 28});
    fill_uniform(rng, x.span(), 0, 1);
    test::check_network(net, x, {3, 0, 7, 9, 1}, network_options());
  }
}

TEST_CASE("LeNet-5 1998 as a list of layers: gradients match finite differences", "[ch08][layers][lenet1998]") {
  Rng rng(85);
  Network<double> net = ch08::lenet1998_network<double>(rng);
  for (auto& p : net.parameters())
    if (p.name.ends_with(".bias")) fill_uniform(rng, p.value.span(), -0.1, 0.1);
  Tensor<double> x(Shape{3, 1, 28, 28});
  fill_uniform(rng, x.span(), 0, 1);
  const std::vector<int> labels = {4, 1, 8};
  // c3's disconnected weights get a zero gradient by design (they must stay
  // zero), while L does change with them: c3.weight is checked slice by
  // slice, on the 60 (k, c) slices Table I connects.
  test::check_network(net, x, labels, network_options(), {"c3.weight"});
  auto& c3 = test::parameter(net, "c3.weight");
  net.forward(x, Mode::Train);
  net.backward(labels);
  const std::vector<double> analytic(c3.grad.begin(), c3.grad.end());
  auto loss = [&] {
    net.forward(x, Mode::Train);
    return net.backward(labels);
  };
  GradCheckOptions slice_options = network_options();
  int checked = 0;
  for (int k = 0; k < ch08::kC3Maps; ++k)
    for (int c = 0; c < ch08::kS2Maps; ++c) {
      if (!ch08::kC3Table[static_cast<std::size_t>(k)][static_cast<std::size_t>(c)]) continue;
      const std::size_t at = static_cast<std::size_t>((k * ch08::kS2Maps + c) * 25);
      INFO("c3.weight[" << k << ", " << c << "]");
      slice_options.max_samples = 4;
      slice_options.seed = static_cast<std::uint64_t>(at);
      test::require_gradient(check_gradient("c3.weight slice", c3.value.span().subspan(at, 25),
                                            std::span<const double>(analytic).subspan(at, 25), loss, slice_options));
      ++checked;
    }
  CHECK(checked == ch08::c3_connections());
}

TEST_CASE("LeNet-5 1998: c3 weights outside Table I stay exactly zero through training", "[ch08][layers][lenet1998]") {
  Rng rng(86);
  Network<float> net = ch08::lenet1998_network<float>(rng);
  ch05::Optimizer<float> opt(classic(), optimizer_params(net));
  const Tensor<float> x = test::random_images(rng, Shape{8, 1, 28, 28});
  const std::vector<int> labels = {0, 1, 2, 3, 4, 5, 6, 7};
  for (int step = 0; step < 3; ++step) train_step(net, opt, x, labels, 1e-3, 0.05);
  const auto& w = test::parameter(net, "c3.weight").value;
  int moved = 0;
  for (int k = 0; k < ch08::kC3Maps; ++k)
    for (int c = 0; c < ch08::kS2Maps; ++c)
      for (int t = 0; t < 25; ++t) {
        const float v = w.data()[(k * ch08::kS2Maps + c) * 25 + t];
        if (!ch08::kC3Table[static_cast<std::size_t>(k)][static_cast<std::size_t>(c)])
          REQUIRE(v == 0.0f);
        else
          moved += v != 0.0f;
      }
  CHECK(moved == ch08::c3_connections() * 25);
}

TEST_CASE("ex8.1 LeNet-5 as a list of layers equals the hand-wired one: logits and every gradient",
          "[ch08][layers][ex8.1]") {
  // The same seed gives both the same weights (the same initialisation,
  // layer by layer); then the same batch through both. In slices of 4 the
  // two compute the same sums in the same order (bench_lenet5_train --versus
  // finds no difference at all), but run as one slice the list sums c1's and
  // c3's gradients over the batch in another grouping: float rounding.
  for (const std::int64_t slice : {std::int64_t{4}, std::int64_t{0}}) {
    INFO("slices of " << slice << " images (0: the whole batch at once)");
    Rng r1(87), r2(87);
    Network<float> list = ch08::lenet5_network<float>(r1, slice);
    ch08::LeNet5<float> hand = ch08::make_lenet5<float>(r2);
    Rng data(88);
    const Tensor<float> x = test::random_images(data, Shape{10, 1, 28, 28});
    std::vector<int> labels;
    for (int i = 0; i < 10; ++i) labels.push_back((3 * i + 1) % 10);
    ch08::LeNet5Workspace<float> ws;
    ch08::lenet5_forward<float>(hand, ws, x);
    list.forward(x, Mode::Train);
    const TensorView<const float> a = list.logits(), b = ws.logits.view();
    for (std::int64_t i = 0; i < a.size(); ++i) REQUIRE(a[i] == Approx(b[i]).epsilon(1e-5).margin(1e-6));
    const float loss_hand = ch08::lenet5_backward<float>(hand, ws, labels);
    const float loss_list = list.backward(labels);
    CHECK(loss_list == Approx(loss_hand).epsilon(1e-6));
    auto hp = hand.params();
    auto& lp = list.parameters();
    REQUIRE(hp.size() == lp.size());
    for (std::size_t k = 0; k < hp.size(); ++k) {
      INFO(hp[k].name);
      REQUIRE(lp[k].name == hp[k].name);
      float largest = 0, worst = 0;
      for (std::int64_t i = 0; i < hp[k].grad.size(); ++i) largest = std::max(largest, std::abs(hp[k].grad[i]));
      for (std::int64_t i = 0; i < hp[k].grad.size(); ++i) worst = std::max(worst, std::abs(lp[k].grad[i] - hp[k].grad[i]));
      CHECK(largest > 0.0f);
      CHECK(worst <= 1e-5f * largest + 1e-7f);
    }
  }
}

TEST_CASE("ex8.1 LeNet-5 as layers and hand-wired load each other's checkpoints", "[ch08][layers][ex8.1]") {
  nn::test::TempDir dir("nn_lenet5_interop");
  Rng r1(89), r2(90);
  Network<float> list = ch08::lenet5_network<float>(r1);
  ch08::LeNet5<float> hand = ch08::make_lenet5<float>(r2);  // other weights
  ch05::Optimizer<float> opt(classic(), optimizer_params(list));
  Rng data(91);
  const Tensor<float> x = test::random_images(data, Shape{6, 1, 28, 28});
  const std::vector<int> labels = {1, 2, 3, 4, 5, 6};
  train_step(list, opt, x, labels, 0.0, 0.05);
  save(dir.path / "list.safetensors", list);
  std::vector<ch05::CheckpointTensor> tensors;
  for (auto& p : hand.params()) tensors.push_back({p.name, p.value});
  ch05::load_checkpoint(dir.path / "list.safetensors", tensors, nullptr);
  ch08::LeNet5Workspace<float> ws;
  ch08::lenet5_forward<float>(hand, ws, x);
  list.forward(x, Mode::Eval);
  for (std::int64_t i = 0; i < ws.logits.size(); ++i)
    REQUIRE(ws.logits[i] == Approx(list.logits()[i]).epsilon(1e-5).margin(1e-6));
  // And back: the hand-wired network's file into a fresh list of layers.
  for (auto& p : hand.params()) p.value.data()[0] += 0.25f;
  ch05::save_checkpoint(dir.path / "hand.safetensors", tensors, "hand-wired LeNet-5", nullptr, {}, 0);
  Rng r3(92);
  Network<float> fresh = ch08::lenet5_network<float>(r3);
  load(dir.path / "hand.safetensors", fresh);
  for (std::size_t k = 0; k < tensors.size(); ++k)
    CHECK(values_of<float>(fresh.parameters()[k].value) == values_of<float>(tensors[k].value));
}

TEST_CASE("ex7.2 a training step of the small CNN and of LeNet-5 as layers allocates no tensor",
          "[ch07][layers][ex7.2]") {
  Rng rng(93);
  SECTION("chapter 7's CNN") {
    Network<float> net = ch07::make_cnn<float>(tiny(), rng);
    ch05::Optimizer<float> opt(classic(), optimizer_params(net));
    const Dataset data = blobs(16, 5);
    const std::vector<int> labels(data.labels.begin(), data.labels.end());
    train_step(net, opt, data.images, labels, 1e-4, 0.01);  // sizes the buffers
    const auto before = detail::tensor_allocations();
    for (int i = 0; i < 3; ++i) train_step(net, opt, data.images, labels, 1e-4, 0.01);
    CHECK(detail::tensor_allocations() == before);
  }
  SECTION("LeNet-5 in slices of 4, the last one shorter") {
    Network<float> net = ch08::lenet5_network<float>(rng);
    ch05::Optimizer<float> opt(classic(), optimizer_params(net));
    const Tensor<float> x = test::random_images(rng, Shape{10, 1, 28, 28});
    const std::vector<int> labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const float first = train_step(net, opt, x, labels, 0.0, 0.05);
    const auto before = detail::tensor_allocations();
    float last = first;
    for (int i = 0; i < 5; ++i) last = train_step(net, opt, x, labels, 0.0, 0.05);
    CHECK(detail::tensor_allocations() == before);
    CHECK(last < first);  // the same batch six times: the loss goes down
  }
}

TEST_CASE("ex7.8 a training step with L2 gives the same objective and weights on 1, 2 and 3 threads",
          "[ch08][layers][ex7.8]") {
  // The penalty and its gradient run in chunks shared among the threads
  // (layers/train.cpp add_l2): the chunks' sums must be added in one order
  // whatever the thread count, and every worker must write the caller's
  // buffers.
  // LeNet-5: c5's 48,000 weights make three chunks.
  Rng data_rng(98);
  const Tensor<float> x = test::random_images(data_rng, Shape{10, 1, 28, 28});
  const std::vector<int> labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  std::vector<float> objectives;
  std::vector<std::vector<float>> weights;
  for (int threads : {1, 2, 3}) {
    INFO(threads << " thread(s)");
    const test::RestoreThreads restore;
    set_num_threads(threads);
    Rng rng(97);
    Network<float> net = ch08::lenet5_network<float>(rng);
    ch05::Optimizer<float> opt(classic(), optimizer_params(net));
    float objective = 0;
    for (int i = 0; i < 3; ++i) objective = train_step(net, opt, x, labels, 1e-3, 0.01);
    objectives.push_back(objective);
    weights.push_back(all_values(net));
  }
  CHECK(objectives[1] == objectives[0]);
  CHECK(objectives[2] == objectives[0]);
  CHECK(weights[1] == weights[0]);
  CHECK(weights[2] == weights[0]);
}

TEST_CASE("ex7.2 ex7.4 the small CNN learns where the blob is", "[ch07][layers][ex7.2][ex7.4]") {
  Rng rng(78);
  Network<float> net = ch07::make_cnn<float>(tiny(), rng);
  const Dataset train_set = blobs(1000, 6), test_set = blobs(300, 7);
  ch05::TrainOptions options;
  options.epochs = 8;
  options.batch_size = 32;
  options.optimizer.kind = ch05::OptimizerKind::Classic;
  options.learning_rate = 0.05;
  options.progress = false;
  const ch05::TrainResult r = train(net, train_set, Dataset{}, options);
  REQUIRE(r.epochs.size() == 8);
  CHECK(r.epochs.back().train_loss < r.epochs.front().train_loss);
  CHECK(evaluate(net, test_set) > 0.95);
}

TEST_CASE("ex7.2 every model's checkpoint round-trips to identical outputs", "[ch07][layers][ex7.2]") {
  nn::test::TempDir dir("nn_roundtrip");
  Rng rng(94);
  struct Model {
    const char* name;
    Network<float> a, b;  // a is trained a step and saved; b, made with other weights, loads it
    Shape input;
  };
  std::vector<Model> models;
  models.push_back({"cnn", ch07::make_cnn<float>(tiny(), rng), ch07::make_cnn<float>(tiny(), rng), {4, 1, 8, 8}});
  models.push_back({"lenet5", ch08::lenet5_network<float>(rng), ch08::lenet5_network<float>(rng), {4, 1, 28, 28}});
  models.push_back(
      {"lenet1998", ch08::lenet1998_network<float>(rng), ch08::lenet1998_network<float>(rng), {4, 1, 28, 28}});
  for (Model& m : models) {
    INFO(m.name);
    const Tensor<float> x = test::random_images(rng, m.input);
    const std::vector<int> labels = {0, 1, 2, 3};
    ch05::Optimizer<float> opt(classic(), optimizer_params(m.a));
    train_step(m.a, opt, x, labels, 0.0, 0.05);
    const auto path = dir.path / (std::string(m.name) + ".safetensors");
    save(path, m.a);
    CHECK(all_values(m.b) != all_values(m.a));
    load(path, m.b);
    CHECK(all_values(m.b) == all_values(m.a));
    m.a.forward(x, Mode::Eval);
    m.b.forward(x, Mode::Eval);
    CHECK(values_of<float>(m.a.logits()) == values_of<float>(m.b.logits()));
  }
}

TEST_CASE("ex7.2 a checkpoint that does not match the model is refused, naming the tensor, and changes nothing",
          "[ch07][layers][ex7.2]") {
  nn::test::TempDir dir("nn_mismatch");
  Rng rng(95);
  Network<float> net = ch07::make_cnn<float>(tiny(), rng);
  ch05::Optimizer<float> opt(classic(), optimizer_params(net));
  const Dataset data = blobs(4, 9);
  train_step(net, opt, data.images, std::vector<int>(data.labels.begin(), data.labels.end()), 0.0, 0.05);
  const std::vector<float> before = all_values(net);
  ch07::CnnConfig wider = tiny();
  wider.filters2 = 5;
  Network<float> other = ch07::make_cnn<float>(wider, rng);
  save(dir.path / "wider.safetensors", other);
  CHECK_THROWS_WITH(load(dir.path / "wider.safetensors", net),
                    Catch::Contains("conv2.weight") && Catch::Contains("[5, 3, 3, 3]") &&
                        Catch::Contains("[4, 3, 3, 3]"));
  CHECK(all_values(net) == before);
  // A missing tensor and an extra one.
  std::vector<NamedConstTensor> tensors;
  for (auto& p : net.parameters()) {
    std::vector<std::int64_t> shape;
    for (int i = 0; i < p.value.rank(); ++i) shape.push_back(p.value.dim(i));
    if (p.name != "fc.bias") tensors.push_back({p.name, shape, p.value.span()});
  }
  save_safetensors(dir.path / "missing.safetensors", tensors);
  CHECK_THROWS_WITH(load(dir.path / "missing.safetensors", net), Catch::Contains("missing tensor 'fc.bias'"));
  const std::vector<float> extra(3, 1.0f);
  tensors.push_back({"fc.bias", {4}, test::parameter(net, "fc.bias").value.span()});
  tensors.push_back({"head.weight", {3}, extra});
  save_safetensors(dir.path / "extra.safetensors", tensors);
  CHECK_THROWS_WITH(load(dir.path / "extra.safetensors", net), Catch::Contains("unexpected tensor 'head.weight'"));
  CHECK(all_values(net) == before);
  // The 1998 network's own check: a weight where Table I has no connection.
  Network<float> paper = ch08::lenet1998_network<float>(rng), target = ch08::lenet1998_network<float>(rng);
  test::parameter(paper, "c3.weight").value(0, 3, 2, 2) = 0.5f;  // C3 map 0 does not see S2 map 3
  save(dir.path / "table.safetensors", paper);
  const std::vector<float> target_before = all_values(target);
  CHECK_THROWS_WITH(load(dir.path / "table.safetensors", target), Catch::Contains("Table I"));
  CHECK(all_values(target) == target_before);
}

TEST_CASE("ex7.2 resuming the small CNN from a checkpoint gives the uninterrupted run's weights bit for bit",
          "[ch07][layers][ex7.2]") {
  nn::test::TempDir dir("nn_resume");
  const Dataset train_set = blobs(200, 10), validation = blobs(50, 11);
  ch05::TrainOptions options;
  options.epochs = 3;
  options.batch_size = 16;
  options.optimizer.kind = ch05::OptimizerKind::Adam;  // two state tensors per parameter, and a step count
  options.learning_rate = 0.01;
  options.l2 = 1e-4;
  options.augmentation.mirror = true;
  options.augmentation.max_shift = 1;
  options.progress = false;
  Rng r1(96);
  Network<float> straight = ch07::make_cnn<float>(tiny(), r1);
  train(straight, train_set, validation, options);
  // The same run stopped after epoch 2 (its checkpoint written after every
  // epoch), then a fresh network resumed from the checkpoint for epoch 3.
  ch05::TrainOptions first = options;
  first.epochs = 2;
  first.checkpoint_out = dir.path / "ckpt.safetensors";
  Rng r2(96);
  Network<float> part = ch07::make_cnn<float>(tiny(), r2);
  train(part, train_set, validation, first);
  Rng r3(12345);  // other initial weights: everything must come from the checkpoint
  Network<float> resumed = ch07::make_cnn<float>(tiny(), r3);
  const ch05::TrainResult r = train(resumed, train_set, validation, options, {}, dir.path / "ckpt.safetensors");
  REQUIRE(r.epochs.size() == 1);
  CHECK(r.epochs[0].epoch == 3);
  CHECK(all_values(resumed) == all_values(straight));
}
