// Unit tests of the official Wan2.1 FlowUniPCMultistepScheduler port.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "model/sampling/unipc_scheduler.h"

namespace animate::sampling {
namespace {

FlowUniPCScheduler make_scheduler(std::int64_t steps, double shift, UniPCConfig config = {}) {
  FlowUniPCScheduler scheduler(config);
  scheduler.set_timesteps(steps, shift);
  return scheduler;
}

// The stand-in model of the golden case: v = a*x + b*e1 + c*(t/1000)*e2.
at::Tensor linear_model(const at::Tensor& x, std::int64_t t, const at::Tensor& e1,
                        const at::Tensor& e2) {
  return x * -0.3 + e1 * 0.7 + e2 * (0.5 * (static_cast<double>(t) / 1000.0));
}

TEST(FlowUniPCScheduler, TrainingGridEndPoints) {
  const FlowUniPCScheduler scheduler;
  // float32(1 - 1/1000) read back as a double (wan_components.md 4.2).
  EXPECT_EQ(scheduler.sigma_max(), 0.9990000128746033);
  EXPECT_EQ(scheduler.sigma_min(), 0.0);
  EXPECT_EQ(scheduler.num_steps(), 0);
  EXPECT_TRUE(scheduler.finished());
}

TEST(FlowUniPCScheduler, TimestepsMatchThePrintedOfficialSchedules) {
  // wan_components.md 4.6, printed from the official code.
  const std::vector<std::int64_t> i2v_720p = {999, 994, 989, 983, 978, 972, 965, 959, 952, 944,
                                              937, 929, 920, 911, 902, 892, 882, 870, 859, 846,
                                              833, 818, 803, 786, 768, 749, 728, 706, 681, 654,
                                              624, 591, 555, 514, 468, 416, 356, 288, 208, 113};
  const std::vector<std::int64_t> i2v_480p = {999, 991, 982, 973, 963, 954, 944, 933, 922, 911,
                                              899, 887, 874, 861, 847, 832, 817, 801, 785, 767,
                                              749, 730, 710, 688, 666, 642, 617, 590, 562, 531,
                                              499, 465, 428, 388, 345, 299, 249, 195, 136, 71};
  const std::vector<std::int64_t> t2v = {
      999, 995, 991, 987, 982, 978, 973, 968, 963, 957, 952, 946, 940, 934, 927, 920, 913,
      906, 898, 890, 882, 873, 863, 854, 843, 833, 821, 809, 796, 783, 768, 753, 737, 720,
      701, 681, 660, 636, 611, 584, 555, 522, 487, 448, 405, 356, 302, 241, 172, 92};
  EXPECT_EQ(make_scheduler(40, 5.0).timesteps(), i2v_720p);
  EXPECT_EQ(make_scheduler(40, 3.0).timesteps(), i2v_480p);
  EXPECT_EQ(make_scheduler(50, 5.0).timesteps(), t2v);
}

TEST(FlowUniPCScheduler, SigmasMatchThePrintedOfficialSchedules) {
  const FlowUniPCScheduler k5 = make_scheduler(40, 5.0);
  ASSERT_EQ(k5.sigmas().size(), 41U);
  EXPECT_NEAR(k5.sigmas()[0], 0.9998, 1e-6);
  EXPECT_NEAR(k5.sigmas()[1], 0.994695, 1e-6);
  EXPECT_NEAR(k5.sigmas()[2], 0.989377, 1e-6);
  EXPECT_NEAR(k5.sigmas()[37], 0.28824, 1e-5);
  EXPECT_NEAR(k5.sigmas()[38], 0.20816, 1e-5);
  EXPECT_NEAR(k5.sigmas()[39], 0.113533, 1e-6);
  EXPECT_EQ(k5.sigmas()[40], 0.0F);

  const FlowUniPCScheduler k3 = make_scheduler(40, 3.0);
  EXPECT_NEAR(k3.sigmas()[0], 0.999666, 1e-6);
  EXPECT_NEAR(k3.sigmas()[1], 0.991189, 1e-6);
  EXPECT_NEAR(k3.sigmas()[38], 0.13624, 1e-5);
  EXPECT_NEAR(k3.sigmas()[39], 0.071361, 1e-6);
}

TEST(FlowUniPCScheduler, ScheduleIsMonotoneAndConsistent) {
  for (const std::int64_t steps : {1, 2, 3, 8, 25, 40}) {
    for (const double shift : {1.0, 3.0, 5.0, 16.0}) {
      const FlowUniPCScheduler scheduler = make_scheduler(steps, shift);
      ASSERT_EQ(scheduler.num_steps(), steps);
      ASSERT_EQ(scheduler.sigmas().size(), static_cast<std::size_t>(steps) + 1);
      EXPECT_EQ(scheduler.sigmas().back(), 0.0F);
      EXPECT_EQ(scheduler.timesteps().front(), 999);
      for (std::int64_t i = 0; i < steps; ++i) {
        const auto index = static_cast<std::size_t>(i);
        EXPECT_LT(scheduler.sigmas()[index + 1], scheduler.sigmas()[index]);
        // Truncated float64 sigma*1000 differs from the float32 one by far less than 1.
        EXPECT_NEAR(static_cast<double>(scheduler.timesteps()[index]),
                    std::trunc(scheduler.sigmas()[index] * 1000.0), 1.0);
      }
      const at::Tensor t = scheduler.timesteps_tensor();
      EXPECT_EQ(t.scalar_type(), at::kLong);
      EXPECT_EQ(t.numel(), steps);
      EXPECT_EQ(scheduler.sigmas_tensor().scalar_type(), at::kFloat);
      EXPECT_EQ(scheduler.sigmas_tensor().numel(), steps + 1);
    }
  }
}

TEST(FlowUniPCScheduler, FirstStepIsTheFirstOrderUniPUpdate) {
  FlowUniPCScheduler scheduler = make_scheduler(6, 5.0);
  const at::Tensor x = at::tensor({1.0F, -2.0F, 0.25F});
  const at::Tensor v = at::tensor({0.5F, 1.0F, -3.0F});
  const at::Tensor next = scheduler.step(v, x);

  // By hand from wan_components.md 4.2: x1 = (s1/s0) x0 - (1 - s1) expm1(-h) m0,
  // h = lambda(s1) - lambda(s0), lambda(s) = ln(1 - s) - ln(s), m0 = x0 - s0 v0.
  const double s0 = scheduler.sigmas()[0];
  const double s1 = scheduler.sigmas()[1];
  const auto lambda = [](double s) { return std::log(1.0 - s) - std::log(s); };
  const double h = lambda(s1) - lambda(s0);
  const at::Tensor x64 = x.to(at::kDouble);
  const at::Tensor m0 = x64 - v.to(at::kDouble) * s0;
  const at::Tensor expected = x64 * (s1 / s0) - m0 * ((1.0 - s1) * std::expm1(-h));
  EXPECT_TRUE(at::allclose(next.to(at::kDouble), expected, 1e-6, 1e-6));
  EXPECT_EQ(scheduler.step_index(), 1);
}

TEST(FlowUniPCScheduler, LinearModelReproducesHandDerivedTrajectory) {
  // N = 5, shift 3, scalar x0 = 1, e1 = 0.5, e2 = -1 with the golden's linear
  // model. Expected values evaluated in float64 from the formulas of
  // wan_components.md 4.2 (predictor order 1, 2, 2, 2, 1; corrector from step 1).
  FlowUniPCScheduler scheduler = make_scheduler(5, 3.0);
  const std::vector<std::int64_t> timesteps = {999, 922, 817, 666, 428};
  EXPECT_EQ(scheduler.timesteps(), timesteps);
  const std::vector<double> expected = {1.0,        1.03458667, 1.07764769,
                                        1.13140122, 1.19755775, 1.29317537};
  const at::Tensor e1 = at::full({1}, 0.5F);
  const at::Tensor e2 = at::full({1}, -1.0F);
  at::Tensor x = at::full({1}, 1.0F);
  for (std::size_t i = 0; i < timesteps.size(); ++i) {
    EXPECT_EQ(scheduler.current_timestep(), timesteps[i]);
    x = scheduler.step(linear_model(x, scheduler.current_timestep(), e1, e2), x);
    EXPECT_NEAR(x.item<float>(), expected[i + 1], 2e-6) << "after step " << i;
  }
  EXPECT_TRUE(scheduler.finished());
}

TEST(FlowUniPCScheduler, ExactVelocityStaysOnTheStraightPath) {
  // With v = noise - x0 on x = (1 - s) x0 + s noise every x0-prediction equals
  // x0, the multistep differences vanish and each UniP step is exact, so every
  // order and B(h) variant lands on the path and finally on x0.
  at::manual_seed(7);
  const at::Tensor data = at::randn({2, 3, 4}, at::kFloat);
  const at::Tensor noise = at::randn({2, 3, 4}, at::kFloat);
  for (const int order : {1, 2}) {
    for (const auto type : {UniPCSolverType::kBh1, UniPCSolverType::kBh2}) {
      UniPCConfig config;
      config.solver_order = order;
      config.solver_type = type;
      FlowUniPCScheduler scheduler = make_scheduler(10, 5.0, config);
      const double s0 = scheduler.sigmas()[0];
      at::Tensor x = data * (1.0 - s0) + noise * s0;
      for (std::int64_t i = 0; i < 10; ++i) {
        x = scheduler.step(noise - data, x);
        const double s = scheduler.sigmas()[static_cast<std::size_t>(i) + 1];
        EXPECT_TRUE(at::allclose(x, data * (1.0 - s) + noise * s, 1e-5, 1e-5))
            << "order " << order << " step " << i;
      }
      EXPECT_TRUE(at::allclose(x, data, 1e-5, 1e-5));
    }
  }
}

TEST(FlowUniPCScheduler, LastStepReturnsTheX0PredictionExactly) {
  at::manual_seed(3);
  const at::Tensor e1 = at::randn({16}, at::kFloat);
  const at::Tensor e2 = at::randn({16}, at::kFloat);
  FlowUniPCScheduler scheduler = make_scheduler(4, 5.0);
  at::Tensor x = at::randn({16}, at::kFloat);
  for (int i = 0; i < 3; ++i) {
    x = scheduler.step(linear_model(x, scheduler.current_timestep(), e1, e2), x);
  }
  const at::Tensor v = linear_model(x, scheduler.current_timestep(), e1, e2);
  const at::Tensor x0_prediction = x - v * static_cast<double>(scheduler.sigmas()[3]);
  EXPECT_TRUE(at::equal(scheduler.step(v, x), x0_prediction));
}

TEST(FlowUniPCScheduler, SetTimestepsStartsAFreshRun) {
  at::manual_seed(11);
  const at::Tensor start = at::randn({5}, at::kFloat);
  const at::Tensor e1 = at::randn({5}, at::kFloat);
  const at::Tensor e2 = at::randn({5}, at::kFloat);
  FlowUniPCScheduler scheduler;
  std::vector<at::Tensor> runs;
  for (int run = 0; run < 2; ++run) {
    scheduler.set_timesteps(6, 3.0);
    at::Tensor x = start;
    while (!scheduler.finished()) {
      x = scheduler.step(linear_model(x, scheduler.current_timestep(), e1, e2), x);
    }
    runs.push_back(x);
  }
  EXPECT_TRUE(at::equal(runs[0], runs[1]));
}

TEST(FlowUniPCScheduler, HistoryIsNotAliasedToTheCallersTensors) {
  // A pipeline may reuse its latent buffer in place; the corrector must still
  // see the sample that entered the previous step.
  at::manual_seed(5);
  const at::Tensor start = at::randn({8}, at::kFloat);
  const at::Tensor e1 = at::randn({8}, at::kFloat);
  const at::Tensor e2 = at::randn({8}, at::kFloat);
  std::vector<at::Tensor> results;
  for (const bool in_place : {false, true}) {
    FlowUniPCScheduler scheduler = make_scheduler(5, 3.0);
    at::Tensor latents = start.clone();
    while (!scheduler.finished()) {
      const at::Tensor v = linear_model(latents, scheduler.current_timestep(), e1, e2);
      const at::Tensor next = scheduler.step(v, latents);
      if (in_place) {
        latents.copy_(next);
      } else {
        latents = next;
      }
    }
    results.push_back(latents);
  }
  EXPECT_TRUE(at::equal(results[0], results[1]));
}

TEST(FlowUniPCScheduler, KeepsTheSampleDtype) {
  FlowUniPCScheduler scheduler = make_scheduler(3, 5.0);
  const at::Tensor x = at::ones({4}, at::kDouble);
  const at::Tensor v = at::ones({4}, at::kFloat);
  EXPECT_EQ(scheduler.step(v, x).scalar_type(), at::kDouble);
}

TEST(FlowUniPCScheduler, RejectsMisuse) {
  FlowUniPCScheduler scheduler;
  const at::Tensor x = at::zeros({3});
  EXPECT_THROW(scheduler.step(x, x), std::logic_error);
  EXPECT_THROW(scheduler.current_timestep(), std::logic_error);
  EXPECT_THROW(scheduler.set_timesteps(0, 5.0), std::invalid_argument);
  EXPECT_THROW(scheduler.set_timesteps(10, -1.0), std::invalid_argument);
  scheduler.set_timesteps(2, 5.0);
  EXPECT_THROW(scheduler.step(at::zeros({4}), x), std::invalid_argument);
  scheduler.step(x, x);
  scheduler.step(x, x);
  EXPECT_THROW(scheduler.step(x, x), std::logic_error);

  UniPCConfig third_order;
  third_order.solver_order = 3;
  try {
    FlowUniPCScheduler unsupported(third_order);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("solver_order"), std::string::npos);
  }
}

}  // namespace
}  // namespace animate::sampling
