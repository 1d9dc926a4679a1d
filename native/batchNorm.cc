// Batch norm (+ ReLU) with the batch's statistics and its gradient, fused: a few passes over the
// activations instead of a dozen element-wise tfjs kernels, each a pass of its own. Statistics are
// summed in double per thread, the variance from the centred values (two passes), as before in
// TypeScript (forward.ts). With g = dy through the ReLU, c = x - mean and s = gamma / sigma:
//   dbeta = sum g,  dgamma = sum(g c) / sigma,  dx = s g - s dbeta / M - s c sum(g c) / (sigma^2 M).
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels.h"

namespace kernels {
namespace {

constexpr double kEpsilon = 1e-5;  // forward.ts's BN_EPSILON

// Per-channel sums over rows [from, to) of f(row value pointer, channel), into `sum` (channels long).
template <typename F>
void channelSums(const float* x, long from, long to, int channels, double* sum, F f) {
  std::vector<float> partial(channels, 0.0f);
  // Float partial sums over blocks of 256 rows keep the inner loop vectorised; double across blocks.
  for (long r0 = from; r0 < to; r0 += 256) {
    const long r1 = std::min(to, r0 + 256);
    std::fill(partial.begin(), partial.end(), 0.0f);
    for (long r = r0; r < r1; r++) {
      const float* row = x + r * channels;
      for (int c = 0; c < channels; c++) partial[c] += f(row, r, c);
    }
    for (int c = 0; c < channels; c++) sum[c] += partial[c];
  }
}

}  // namespace

void batchNorm(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* variance, long rows, int channels, bool relu, int threads) {
  const int shares = std::max(1, threads);
  std::vector<std::vector<double>> sums(shares, std::vector<double>(channels, 0.0));
  parallel(rows, threads, [&](int t, long from, long to) { channelSums(x, from, to, channels, sums[t].data(), [](const float* row, long, int c) { return row[c]; }); });
  std::vector<float> m(channels);
  for (int c = 0; c < channels; c++) {
    double s = 0;
    for (auto& part : sums) s += part[c], part[c] = 0;
    m[c] = static_cast<float>(s / rows);
  }
  parallel(rows, threads, [&](int t, long from, long to) {
    channelSums(x, from, to, channels, sums[t].data(), [&](const float* row, long, int c) { const float d = row[c] - m[c]; return d * d; });
  });
  std::vector<float> scale(channels), shift(channels);
  for (int c = 0; c < channels; c++) {
    double s = 0;
    for (const auto& part : sums) s += part[c];
    const double var = s / rows;
    mean[c] = m[c];
    variance[c] = static_cast<float>(var);
    scale[c] = static_cast<float>(gamma[c] / std::sqrt(var + kEpsilon));
    shift[c] = beta[c] - scale[c] * m[c];
  }
  parallel(rows, threads, [&](int, long from, long to) {
    for (long r = from; r < to; r++) {
      const float* in = x + r * channels;
      float* out = y + r * channels;
      for (int c = 0; c < channels; c++) {
        const float v = in[c] * scale[c] + shift[c];
        out[c] = relu && v < 0 ? 0.0f : v;
      }
    }
  });
}

void batchNormGradient(const float* x, const float* y, const float* dy, const float* gamma, const float* mean, const float* variance,
                       float* dx, float* dGamma, float* dBeta, long rows, int channels, bool relu, int threads) {
  const int shares = std::max(1, threads);
  std::vector<std::vector<double>> gSum(shares, std::vector<double>(channels, 0.0)), gcSum(shares, std::vector<double>(channels, 0.0));
  // g is dy where the ReLU passed the value (y > 0), else 0: a multiply by 0 or 1 keeps the loops
  // branch-free (a branch on the sign of y mispredicts half the time) and vectorised.
  const int always = relu ? 0 : 1;
  parallel(rows, threads, [&](int t, long from, long to) {
    std::vector<float> buffers(3 * channels);
    float* __restrict sg = buffers.data();
    float* __restrict sgc = sg + channels;
    float* __restrict m = sgc + channels;
    std::copy(mean, mean + channels, m);
    for (long r0 = from; r0 < to; r0 += 256) {
      const long r1 = std::min(to, r0 + 256);
      std::fill(sg, sg + 2 * channels, 0.0f);
      for (long r = r0; r < r1; r++) {
        const float* __restrict xr = x + r * channels;
        const float* __restrict yr = y + r * channels;
        const float* __restrict dyr = dy + r * channels;
        for (int c = 0; c < channels; c++) {
          const float g = dyr[c] * static_cast<float>((yr[c] > 0) | always);
          sg[c] += g;
          sgc[c] += g * (xr[c] - m[c]);
        }
      }
      for (int c = 0; c < channels; c++) gSum[t][c] += sg[c], gcSum[t][c] += sgc[c];
    }
  });
  std::vector<float> s(channels), shift(channels), alongC(channels);
  for (int c = 0; c < channels; c++) {
    double sg = 0, sgc = 0;
    for (int t = 0; t < shares; t++) sg += gSum[t][c], sgc += gcSum[t][c];
    const double inv = 1.0 / std::sqrt(static_cast<double>(variance[c]) + kEpsilon);
    dBeta[c] = static_cast<float>(sg);
    dGamma[c] = static_cast<float>(sgc * inv);
    s[c] = static_cast<float>(gamma[c] * inv);
    shift[c] = static_cast<float>(-gamma[c] * inv * sg / rows - gamma[c] * inv * sgc * inv * inv / rows * -mean[c]);
    alongC[c] = static_cast<float>(-gamma[c] * inv * sgc * inv * inv / rows);
  }
  // dx = s g + (x - mean) alongC + shift0 = s g + x alongC + shift (the mean folded into the shift).
  parallel(rows, threads, [&](int, long from, long to) {
    const float* __restrict sc = s.data();
    const float* __restrict ac = alongC.data();
    const float* __restrict sh = shift.data();
    for (long r = from; r < to; r++) {
      const float* __restrict xr = x + r * channels;
      const float* __restrict yr = y + r * channels;
      const float* __restrict dyr = dy + r * channels;
      float* __restrict out = dx + r * channels;
      for (int c = 0; c < channels; c++) out[c] = sc[c] * dyr[c] * static_cast<float>((yr[c] > 0) | always) + xr[c] * ac[c] + sh[c];
    }
  });
}

}  // namespace kernels
