// 2-D convolution kernels in C++ for the wasm training backend (NHWC data, HWIO filters): the
// forward convolution (TensorFlow's Conv2D, which the input gradient also runs on) and the filter
// gradient (Conv2DBackpropFilter). They read and write the wasm heap in place (typed-array views
// handed over from JavaScript), so nothing is copied or transposed.
//
//   y[b, v, u, o]  = sum over (i, j, c) of x[b, v*sh + i - top, u*sw + j - left, c] * w[i, j, c, o]
//   dW[i, j, c, o] = sum over (b, v, u) of x[b, v*sh + i - top, u*sw + j - left, c] * dy[b, v, u, o]
//
// Both are small GEMMs per output row and tap, summed in registers: a block of PB pixels by OB
// output channels over the input channels (forward), or a block of CB input channels by OB output
// channels over the row's pixels (filter gradient). Output rows are split between threads.
#include <algorithm>
#include <cstring>

#include "kernels.h"

namespace kernels {
namespace {




template <int CB, int OB>
__attribute__((always_inline)) inline void block(const float* xs, int xStep, const float* d, int dStep, int count, float* acc, int accStride) {
  float a[CB][OB] = {};
  for (int t = 0; t < count; t++, xs += xStep, d += dStep) {
#pragma GCC unroll 16
    for (int r = 0; r < CB; r++) {
      const float v = xs[r];
#pragma GCC unroll 32
      for (int o = 0; o < OB; o++) a[r][o] += v * d[o];
    }
  }
  for (int r = 0; r < CB; r++)
    for (int o = 0; o < OB; o++) acc[r * accStride + o] += a[r][o];
}

// One (channel block, output block) of one row and tap, with the widest blocks that fit what is left.
template <int CB>
__attribute__((always_inline)) inline void outputBlocks(const float* xs, int xStep, const float* d, int dStep, int count, float* acc, int outC) {
  int o = 0;
  for (; o + 32 <= outC; o += 32) block<CB, 32>(xs, xStep, d + o, dStep, count, acc + o, outC);
  for (; o + 16 <= outC; o += 16) block<CB, 16>(xs, xStep, d + o, dStep, count, acc + o, outC);
  for (; o + 8 <= outC; o += 8) block<CB, 8>(xs, xStep, d + o, dStep, count, acc + o, outC);
  for (; o + 4 <= outC; o += 4) block<CB, 4>(xs, xStep, d + o, dStep, count, acc + o, outC);
  for (; o < outC; o++) block<CB, 1>(xs, xStep, d + o, dStep, count, acc + o, outC);
}

// Output rows [from, to) (over batch x outH) into acc (kh*kw*inC*outC, zeroed by the caller).
__attribute__((target_clones("avx512f", "avx2", "default")))
void rows(const Geometry& g, const float* x, const float* dy, float* acc, long from, long to) {
  const int tapSize = g.inC * g.outC;
  for (long row = from; row < to; row++) {
    const int b = static_cast<int>(row / g.outH);
    const int y = static_cast<int>(row % g.outH);
    const float* dyRow = dy + static_cast<size_t>(row) * g.outW * g.outC;
    for (int i = 0; i < g.kh; i++) {
      const int sy = y * g.sh + i - g.top;
      if (sy < 0 || sy >= g.inH) continue;
      const float* xRow = x + (static_cast<size_t>(b) * g.inH + sy) * g.inW * g.inC;
      for (int j = 0; j < g.kw; j++) {
        // Columns whose source column lies inside the image (the padding contributes zeros).
        const int first = std::max(0, (g.left - j + g.sw - 1) / g.sw);
        const int last = std::min(g.outW, (g.inW - 1 + g.left - j) / g.sw + 1);
        if (last <= first) continue;
        const float* xs = xRow + static_cast<size_t>(first * g.sw + j - g.left) * g.inC;
        const float* d = dyRow + static_cast<size_t>(first) * g.outC;
        const int count = last - first;
        const int xStep = g.sw * g.inC;
        float* tap = acc + static_cast<size_t>(i * g.kw + j) * tapSize;
        int c = 0;
        for (; c + 8 <= g.inC; c += 8) outputBlocks<8>(xs + c, xStep, d, g.outC, count, tap + c * g.outC, g.outC);
        for (; c + 4 <= g.inC; c += 4) outputBlocks<4>(xs + c, xStep, d, g.outC, count, tap + c * g.outC, g.outC);
        for (; c < g.inC; c++) outputBlocks<1>(xs + c, xStep, d, g.outC, count, tap + c * g.outC, g.outC);
      }
    }
  }
}

// Forward: PB consecutive output pixels (input pixels `xStep` apart) by OV vectors of 8 outputs,
// summed in registers over the taps' padded rows and the input channels, then written whole.
// Explicit vectors: the compiler's own vectorisation of this loop nest spilled its accumulators.
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));  // unaligned loads and stores

template <int PB, int OV>
__attribute__((always_inline)) inline void pixelBlock(const Geometry& g, const float* const* padded, int taps, const int* tapRow, const float* w, int x0, float* out) {
  v8 a[PB][OV] = {};
  const int xStep = g.sw * g.inC;
  for (int t = 0; t < taps; t++) {
    const int i = tapRow[t];
    for (int j = 0; j < g.kw; j++) {
      const float* xs = padded[t] + static_cast<size_t>(x0 * g.sw + j) * g.inC;
      const float* ws = w + static_cast<size_t>(i * g.kw + j) * g.inC * g.outC;
      for (int c = 0; c < g.inC; c++, xs++, ws += g.outC) {
        v8 wv[OV];
        for (int q = 0; q < OV; q++) wv[q] = *reinterpret_cast<const v8u*>(ws + 8 * q);
        for (int p = 0; p < PB; p++) {
          const float v = xs[p * xStep];
          for (int q = 0; q < OV; q++) a[p][q] += wv[q] * v;
        }
      }
    }
  }
  for (int p = 0; p < PB; p++)
    for (int q = 0; q < OV; q++) *reinterpret_cast<v8u*>(out + p * g.outC + 8 * q) = a[p][q];
}

// The same for outputs that do not fill a vector (a head's few classes): one output at a time.
template <int PB>
__attribute__((always_inline)) inline void pixelColumn(const Geometry& g, const float* const* padded, int taps, const int* tapRow, const float* w, int x0, float* out) {
  float a[PB] = {};
  const int xStep = g.sw * g.inC;
  for (int t = 0; t < taps; t++) {
    for (int j = 0; j < g.kw; j++) {
      const float* xs = padded[t] + static_cast<size_t>(x0 * g.sw + j) * g.inC;
      const float* ws = w + static_cast<size_t>(tapRow[t] * g.kw + j) * g.inC * g.outC;
      for (int c = 0; c < g.inC; c++)
        for (int p = 0; p < PB; p++) a[p] += xs[p * xStep + c] * ws[c * g.outC];
    }
  }
  for (int p = 0; p < PB; p++) out[p * g.outC] = a[p];
}

template <int PB>
__attribute__((always_inline)) inline void pixelOutputs(const Geometry& g, const float* const* padded, int taps, const int* tapRow, const float* w, int x0, float* out) {
  int o = 0;
  for (; o + 16 <= g.outC; o += 16) pixelBlock<PB, 2>(g, padded, taps, tapRow, w + o, x0, out + o);
  for (; o + 8 <= g.outC; o += 8) pixelBlock<PB, 1>(g, padded, taps, tapRow, w + o, x0, out + o);
  for (; o < g.outC; o++) pixelColumn<PB>(g, padded, taps, tapRow, w + o, x0, out + o);
}

// Output rows [from, to) of the forward convolution. Each input row a tap reads is first copied
// into a zero-padded row, so every pixel block reads without bounds checks.
__attribute__((target_clones("avx512f", "avx2", "default")))
void forwardRows(const Geometry& g, const float* x, const float* w, float* y, long from, long to) {
  const int paddedW = (g.outW - 1) * g.sw + g.kw;
  std::vector<float> buffer(static_cast<size_t>(g.kh) * paddedW * g.inC);
  std::vector<const float*> padded(g.kh);
  std::vector<int> tapRow(g.kh);
  const int first = g.left;                                  // padded column of input column 0
  const int copy = std::max(0, std::min(g.inW, paddedW - first));
  for (long row = from; row < to; row++) {
    const int b = static_cast<int>(row / g.outH);
    const int v = static_cast<int>(row % g.outH);
    int taps = 0;
    for (int i = 0; i < g.kh; i++) {
      const int sy = v * g.sh + i - g.top;
      if (sy < 0 || sy >= g.inH) continue;
      float* dst = buffer.data() + static_cast<size_t>(taps) * paddedW * g.inC;
      const float* src = x + (static_cast<size_t>(b) * g.inH + sy) * g.inW * g.inC;
      std::memset(dst, 0, sizeof(float) * paddedW * g.inC);
      std::memcpy(dst + static_cast<size_t>(first) * g.inC, src, sizeof(float) * copy * g.inC);
      padded[taps] = dst;
      tapRow[taps++] = i;
    }
    float* out = y + static_cast<size_t>(row) * g.outW * g.outC;
    if (taps == 0) {
      std::memset(out, 0, sizeof(float) * g.outW * g.outC);
      continue;
    }
    int u = 0;
    for (; u + 6 <= g.outW; u += 6) pixelOutputs<6>(g, padded.data(), taps, tapRow.data(), w, u, out + static_cast<size_t>(u) * g.outC);
    for (; u + 3 <= g.outW; u += 3) pixelOutputs<3>(g, padded.data(), taps, tapRow.data(), w, u, out + static_cast<size_t>(u) * g.outC);
    for (; u < g.outW; u++) pixelOutputs<1>(g, padded.data(), taps, tapRow.data(), w, u, out + static_cast<size_t>(u) * g.outC);
  }
}

}  // namespace

void conv(const Geometry& g, const float* x, const float* w, float* y, int threads) {
  parallel(static_cast<long>(g.batch) * g.outH, threads, [&](int, long from, long to) { forwardRows(g, x, w, y, from, to); });
}

void filterGradient(const Geometry& g, const float* x, const float* dy, float* dW, int threads) {
  const size_t size = static_cast<size_t>(g.kh) * g.kw * g.inC * g.outC;
  std::vector<std::vector<float>> partial(std::max(1, threads), std::vector<float>(size, 0.0f));
  parallel(static_cast<long>(g.batch) * g.outH, threads, [&](int t, long from, long to) { rows(g, x, dy, partial[t].data(), from, to); });
  std::memcpy(dW, partial[0].data(), size * sizeof(float));
  for (size_t p = 1; p < partial.size(); p++)
    for (size_t k = 0; k < size; k++) dW[k] += partial[p][k];
}

}  // namespace kernels
