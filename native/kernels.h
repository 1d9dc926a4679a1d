// The project's C++ training kernels for the wasm backend (see src/engine/training/nativeKernels.ts).
// They work in place on the wasm heap: the pointers are typed-array views handed over from JavaScript.
#pragma once

#include <thread>
#include <vector>

namespace kernels {

// A convolution's shapes, as TensorFlow.js's computeConv2DInfo gives them (NHWC data, HWIO filter).
struct Geometry {
  int batch, inH, inW, inC, outH, outW, outC, kh, kw, sh, sw, top, left;
};

// y = conv(x, w) (TensorFlow's Conv2D; the input gradient runs on it too).
void conv(const Geometry& g, const float* x, const float* w, float* y, int threads);
// dW of conv(x, w) from x and dy (Conv2DBackpropFilter).
void filterGradient(const Geometry& g, const float* x, const float* dy, float* dW, int threads);

// Batch norm with the batch's statistics over `rows` pixels of `channels` values, then ReLU when
// asked: writes y and the biased mean and variance of each channel.
void batchNorm(const float* x, const float* gamma, const float* beta, float* y, float* mean, float* variance, long rows, int channels, bool relu, int threads);
// Its gradient: dx, dgamma and dbeta from x, y (for the ReLU), dy and the statistics.
void batchNormGradient(const float* x, const float* y, const float* dy, const float* gamma, const float* mean, const float* variance,
                       float* dx, float* dGamma, float* dBeta, long rows, int channels, bool relu, int threads);

// Runs fn(t, from, to) on `threads` threads over [0, total) in contiguous shares; thread 0 is the caller.
template <typename Fn>
void parallel(long total, int threads, Fn fn) {
  threads = static_cast<int>(std::max(1L, std::min<long>(threads, total)));
  auto bound = [&](int t) { return total * t / threads; };
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; t++) workers.emplace_back(fn, t, bound(t), bound(t + 1));
  fn(0, bound(0), bound(1));
  for (auto& w : workers) w.join();
}

}  // namespace kernels
