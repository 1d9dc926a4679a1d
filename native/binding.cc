// The N-API face of the kernels (kernels.h): JavaScript hands over typed-array views of the wasm
// heap, checked here for type and length before any pointer is used.
//   conv(x, w, y, geometry, threads)           filterGradient(x, dy, dW, geometry, threads)
//   batchNorm(x, gamma, beta, y, mean, variance, relu, threads)
//   batchNormGradient(x, y, dy, gamma, mean, variance, dx, dGamma, dBeta, relu, threads)
// geometry: an Int32Array of the 13 values of kernels::Geometry, in order.
#include <node_api.h>

#include <cstring>
#include <string>

#include "kernels.h"

namespace {

struct Args {
  napi_env env;
  const char* name;
  napi_value argv[11];
  size_t argc = 11;
  bool failed = false;

  void fail(const std::string& message) {
    if (!failed) napi_throw_range_error(env, nullptr, (std::string(name) + ": " + message).c_str());
    failed = true;
  }
  template <typename T>
  T* array(size_t k, napi_typedarray_type want, size_t* length) {
    bool typed = false;
    napi_typedarray_type type;
    napi_value buffer;
    size_t offset;
    void* data = nullptr;
    if (failed) return nullptr;
    if (k >= argc || napi_is_typedarray(env, argv[k], &typed) != napi_ok || !typed ||
        napi_get_typedarray_info(env, argv[k], &type, length, &data, &buffer, &offset) != napi_ok || type != want) {
      fail("argument " + std::to_string(k + 1) + " must be " + (want == napi_float32_array ? "a Float32Array" : "an Int32Array"));
      return nullptr;
    }
    return static_cast<T*>(data);
  }
  float* floats(size_t k, size_t want) {
    size_t length = 0;
    float* p = array<float>(k, napi_float32_array, &length);
    if (p && length != want) fail("argument " + std::to_string(k + 1) + " has " + std::to_string(length) + " values, not " + std::to_string(want));
    return failed ? nullptr : p;
  }
  int integer(size_t k) {
    int32_t v = 0;
    if (!failed && (k >= argc || napi_get_value_int32(env, argv[k], &v) != napi_ok)) fail("argument " + std::to_string(k + 1) + " must be a number");
    return v;
  }
  bool boolean(size_t k) {
    bool v = false;
    if (!failed && (k >= argc || napi_get_value_bool(env, argv[k], &v) != napi_ok)) fail("argument " + std::to_string(k + 1) + " must be a boolean");
    return v;
  }
};

Args args(napi_env env, napi_callback_info info, const char* name) {
  Args a{env, name};
  napi_get_cb_info(env, info, &a.argc, a.argv, nullptr, nullptr);
  return a;
}

template <bool forward>
napi_value Conv(napi_env env, napi_callback_info info) {
  Args a = args(env, info, forward ? "conv" : "filterGradient");
  size_t n = 0;
  const int32_t* geometry = a.array<int32_t>(3, napi_int32_array, &n);
  if (a.failed) return nullptr;
  if (n != 13) return a.fail("the geometry has 13 values"), nullptr;
  kernels::Geometry g;
  std::memcpy(&g, geometry, sizeof(g));
  if (g.batch < 1 || g.inH < 1 || g.inW < 1 || g.inC < 1 || g.outH < 1 || g.outW < 1 || g.outC < 1 || g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.top < 0 || g.left < 0)
    return a.fail("the geometry is not a convolution's"), nullptr;
  const size_t xSize = static_cast<size_t>(g.batch) * g.inH * g.inW * g.inC;
  const size_t ySize = static_cast<size_t>(g.batch) * g.outH * g.outW * g.outC;
  const size_t wSize = static_cast<size_t>(g.kh) * g.kw * g.inC * g.outC;
  const float* x = a.floats(0, xSize);
  const float* b = a.floats(1, forward ? wSize : ySize);
  float* out = a.floats(2, forward ? ySize : wSize);
  const int threads = a.integer(4);
  if (a.failed) return nullptr;
  if (forward) kernels::conv(g, x, b, out, threads);
  else kernels::filterGradient(g, x, b, out, threads);
  return nullptr;
}

// Batch norm's arrays: x (argument 0) and the others, each of x's size ('n') or of gamma's channels
// ('c', gamma being argument `gamma`), then relu and threads. False (with the error thrown) if any is wrong.
struct BatchNormArgs {
  float* p[9];
  long rows;
  int channels;
  bool relu;
  int threads;
};

bool batchNormArgs(Args& a, const char* layout, size_t gamma, BatchNormArgs* out) {
  size_t n = 0, channels = 0;
  a.array<float>(0, napi_float32_array, &n);
  a.array<float>(gamma, napi_float32_array, &channels);
  if (!a.failed && (channels == 0 || n % channels)) a.fail("the input is not a whole number of pixels of gamma's channels");
  const size_t count = std::strlen(layout);
  for (size_t k = 0; k < count && !a.failed; k++) out->p[k] = a.floats(k, layout[k] == 'n' ? n : channels);
  out->relu = a.boolean(count);
  out->threads = a.integer(count + 1);
  out->rows = a.failed ? 0 : static_cast<long>(n / channels);
  out->channels = static_cast<int>(channels);
  return !a.failed;
}

napi_value BatchNorm(napi_env env, napi_callback_info info) {
  Args a = args(env, info, "batchNorm");
  BatchNormArgs b;  // x, gamma, beta, y, mean, variance
  if (!batchNormArgs(a, "nccncc", 1, &b)) return nullptr;
  kernels::batchNorm(b.p[0], b.p[1], b.p[2], b.p[3], b.p[4], b.p[5], b.rows, b.channels, b.relu, b.threads);
  return nullptr;
}

napi_value BatchNormGradient(napi_env env, napi_callback_info info) {
  Args a = args(env, info, "batchNormGradient");
  BatchNormArgs b;  // x, y, dy, gamma, mean, variance, dx, dGamma, dBeta
  if (!batchNormArgs(a, "nnncccncc", 3, &b)) return nullptr;
  kernels::batchNormGradient(b.p[0], b.p[1], b.p[2], b.p[3], b.p[4], b.p[5], b.p[6], b.p[7], b.p[8], b.rows, b.channels, b.relu, b.threads);
  return nullptr;
}

}  // namespace

NAPI_MODULE_INIT() {
  const struct {
    const char* name;
    napi_callback fn;
  } functions[] = {{"conv", Conv<true>}, {"filterGradient", Conv<false>}, {"batchNorm", BatchNorm}, {"batchNormGradient", BatchNormGradient}};
  for (const auto& f : functions) {
    napi_value value;
    napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.fn, nullptr, &value);
    napi_set_named_property(env, exports, f.name, value);
  }
  return exports;
}
