// Unit tests of the DiffSynth FlowMatch schedule and its Euler step.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "model/sampling/flow_match_scheduler.h"

namespace animate::sampling {
namespace {

FlowMatchScheduler make_scheduler(std::int64_t steps, double shift = 5.0) {
  FlowMatchScheduler scheduler;
  scheduler.set_timesteps(steps, 1.0, shift);
  return scheduler;
}

// shift(s) = k s / (1 + (k - 1) s), the closed form of the schedule.
double shifted(double s, double k) {
  return k * s / (1.0 + (k - 1.0) * s);
}

TEST(FlowMatchScheduler, DefaultsAreThoseOfTheUniAnimatePipeline) {
  const FlowMatchScheduler scheduler;
  EXPECT_EQ(scheduler.config().shift, 5.0);
  EXPECT_EQ(scheduler.config().sigma_min, 0.0);
  EXPECT_EQ(scheduler.config().sigma_max, 1.0);
  EXPECT_TRUE(scheduler.config().extra_one_step);
  EXPECT_EQ(scheduler.num_steps(), 0);
}

TEST(FlowMatchScheduler, FiftyStepScheduleMatchesTheSpecTable) {
  const FlowMatchScheduler scheduler = make_scheduler(50);
  ASSERT_EQ(scheduler.num_steps(), 50);
  ASSERT_EQ(scheduler.sigmas().scalar_type(), at::kFloat);
  ASSERT_EQ(scheduler.sigmas().numel(), 50);
  // unianimate.md 4.6: sigma_lin = 1, 0.98, ..., 0.02 then the shift 5.
  EXPECT_EQ(scheduler.sigma(0), 1.0F);
  EXPECT_EQ(scheduler.timestep(0), 1000.0F);
  EXPECT_NEAR(scheduler.sigma(1), 0.995935, 1e-6);
  EXPECT_NEAR(scheduler.sigma(25), 0.833333, 1e-6);
  EXPECT_NEAR(scheduler.sigma(45), 0.357143, 1e-6);
  EXPECT_NEAR(scheduler.sigma(49), 0.092593, 1e-6);
  EXPECT_NEAR(scheduler.timestep(49), 92.593, 1e-3);
  for (std::int64_t i = 0; i < 50; ++i) {
    EXPECT_NEAR(scheduler.sigma(i), shifted(1.0 - static_cast<double>(i) / 50.0, 5.0), 1e-6)
        << "index " << i;
  }
}

TEST(FlowMatchScheduler, SigmasDecreaseAndTimestepsAreThousandTimesSigma) {
  for (const std::int64_t steps : {1, 2, 7, 30, 50}) {
    for (const double shift : {1.0, 3.0, 5.0, 8.0}) {
      const FlowMatchScheduler scheduler = make_scheduler(steps, shift);
      EXPECT_EQ(scheduler.sigma(0), 1.0F);
      for (std::int64_t i = 0; i < steps; ++i) {
        EXPECT_FLOAT_EQ(scheduler.timestep(i), scheduler.sigma(i) * 1000.0F);
        EXPECT_GT(scheduler.sigma(i), 0.0F);
        if (i > 0) {
          EXPECT_LT(scheduler.sigma(i), scheduler.sigma(i - 1));
        }
      }
      EXPECT_EQ(scheduler.sigma_next(steps - 1), 0.0F);
    }
  }
}

TEST(FlowMatchScheduler, SetTimestepsShiftPersistsLikeTheReference) {
  FlowMatchScheduler scheduler;
  scheduler.set_timesteps(10, 1.0, 3.0);
  EXPECT_EQ(scheduler.config().shift, 3.0);
  scheduler.set_timesteps(10);
  EXPECT_NEAR(scheduler.sigma(1), shifted(0.9, 3.0), 1e-6);
}

TEST(FlowMatchScheduler, DenoisingStrengthStartsPartWay) {
  FlowMatchScheduler scheduler;
  scheduler.set_timesteps(10, 0.5);
  EXPECT_NEAR(scheduler.sigma(0), shifted(0.5, 5.0), 1e-6);
  EXPECT_NEAR(scheduler.sigma(5), shifted(0.25, 5.0), 1e-6);
}

TEST(FlowMatchScheduler, WithoutExtraStepTheScheduleEndsOnSigmaMin) {
  FlowMatchConfig config;
  config.extra_one_step = false;
  FlowMatchScheduler scheduler(config);
  scheduler.set_timesteps(5);
  EXPECT_EQ(scheduler.sigma(0), 1.0F);
  EXPECT_EQ(scheduler.sigma(4), 0.0F);
}

TEST(FlowMatchScheduler, EulerStepMovesBySigmaDifference) {
  const FlowMatchScheduler scheduler = make_scheduler(7);
  const at::Tensor x = at::full({2, 3}, 2.0F);
  const at::Tensor v = at::full({2, 3}, -1.5F);
  for (std::int64_t i = 0; i < 7; ++i) {
    const at::Tensor next = scheduler.step(i, v, x);
    const float expected = 2.0F + (-1.5F) * (scheduler.sigma_next(i) - scheduler.sigma(i));
    EXPECT_TRUE(at::allclose(next, at::full({2, 3}, expected), 0.0, 1e-6)) << "index " << i;
  }
}

TEST(FlowMatchScheduler, LastStepLandsOnTheX0Prediction) {
  const FlowMatchScheduler scheduler = make_scheduler(10);
  const at::Tensor x = at::randn({4, 5}, at::kFloat);
  const at::Tensor v = at::randn({4, 5}, at::kFloat);
  const at::Tensor last = scheduler.step(9, v, x);
  const at::Tensor x0_prediction = x - v * static_cast<double>(scheduler.sigma(9));
  EXPECT_TRUE(at::allclose(last, x0_prediction, 0.0, 1e-6));
}

TEST(FlowMatchScheduler, ExactVelocityFollowsTheStraightPathToTheData) {
  // x_sigma = (1 - sigma) x0 + sigma noise has velocity noise - x0 everywhere,
  // so Euler integration is exact and ends on x0.
  const FlowMatchScheduler scheduler = make_scheduler(12);
  const at::Tensor data = at::randn({3, 8}, at::kFloat);
  const at::Tensor noise = at::randn({3, 8}, at::kFloat);
  const at::Tensor velocity = noise - data;
  at::Tensor x = scheduler.add_noise(data, noise, 0);
  EXPECT_TRUE(at::allclose(x, noise, 0.0, 1e-6));  // sigma_0 = 1
  for (std::int64_t i = 0; i < scheduler.num_steps(); ++i) {
    x = scheduler.step(i, velocity, x);
    const double s = scheduler.sigma_next(i);
    EXPECT_TRUE(at::allclose(x, data * (1.0 - s) + noise * s, 0.0, 1e-5)) << "after step " << i;
  }
  EXPECT_TRUE(at::allclose(x, data, 0.0, 1e-5));
}

TEST(FlowMatchScheduler, TimestepLookupFindsTheNearestIndex) {
  const FlowMatchScheduler scheduler = make_scheduler(50);
  for (std::int64_t i = 0; i < 50; ++i) {
    EXPECT_EQ(scheduler.index_for_timestep(scheduler.timestep(i)), i);
  }
  EXPECT_EQ(scheduler.index_for_timestep(2000.0F), 0);
  EXPECT_EQ(scheduler.index_for_timestep(-5.0F), 49);
  EXPECT_EQ(scheduler.index_for_timestep(scheduler.timestep(25) + 0.1F), 25);

  const at::Tensor x = at::randn({6}, at::kFloat);
  const at::Tensor v = at::randn({6}, at::kFloat);
  EXPECT_TRUE(at::equal(scheduler.step_at_timestep(v, scheduler.timestep(25), x),
                        scheduler.step(25, v, x)));
}

TEST(FlowMatchScheduler, DitTimestepRoundsLikeTheBf16Pipeline) {
  const FlowMatchScheduler scheduler = make_scheduler(50);
  const at::Tensor t32 = scheduler.dit_timestep(1);
  ASSERT_EQ(t32.sizes(), (at::IntArrayRef{1}));
  EXPECT_EQ(t32.scalar_type(), at::kFloat);
  EXPECT_EQ(t32.item<float>(), scheduler.timestep(1));
  // unianimate.md 4.6: 995.935 -> 996, 833.333 -> 832, 92.593 -> 92.5 in bf16.
  EXPECT_EQ(scheduler.dit_timestep(1, at::kBFloat16).to(at::kFloat).item<float>(), 996.0F);
  EXPECT_EQ(scheduler.dit_timestep(25, at::kBFloat16).to(at::kFloat).item<float>(), 832.0F);
  EXPECT_EQ(scheduler.dit_timestep(49, at::kBFloat16).to(at::kFloat).item<float>(), 92.5F);
}

TEST(FlowMatchScheduler, RejectsBadParameters) {
  FlowMatchScheduler scheduler;
  EXPECT_THROW(scheduler.set_timesteps(0), std::invalid_argument);
  EXPECT_THROW(scheduler.set_timesteps(10, 0.0), std::invalid_argument);
  EXPECT_THROW(scheduler.set_timesteps(10, 1.5), std::invalid_argument);
  EXPECT_THROW(scheduler.set_timesteps(10, 1.0, 0.0), std::invalid_argument);
  EXPECT_THROW(scheduler.set_timesteps(10, 1.0, std::nan("")), std::invalid_argument);
  FlowMatchConfig bad;
  bad.sigma_min = 1.0;
  EXPECT_THROW(FlowMatchScheduler{bad}, std::invalid_argument);
  try {
    scheduler.set_timesteps(-3);
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("num_steps"), std::string::npos);
  }
}

TEST(FlowMatchScheduler, RejectsIndicesOutsideTheSchedule) {
  const FlowMatchScheduler unset;
  const at::Tensor x = at::zeros({2});
  EXPECT_THROW(unset.step(0, x, x), std::out_of_range);
  EXPECT_THROW(unset.index_for_timestep(500.0F), std::out_of_range);
  const FlowMatchScheduler scheduler = make_scheduler(4);
  EXPECT_THROW(scheduler.step(4, x, x), std::out_of_range);
  EXPECT_THROW(scheduler.sigma(-1), std::out_of_range);
}

}  // namespace
}  // namespace animate::sampling
