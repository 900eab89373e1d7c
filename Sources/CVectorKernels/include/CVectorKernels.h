// Distance kernels for the Vector module, chosen once at run time for the
// CPU (AVX-512, AVX2+FMA, or portable C the compiler vectorizes), so one
// binary is fast on new machines and still runs on old ones.
#ifndef HELIOS_VECTOR_KERNELS_H
#define HELIOS_VECTOR_KERNELS_H
#include <stddef.h>
#include <stdint.h>

/// Σ (a[i] − b[i])²
float helios_l2sq(const float *a, const float *b, size_t n);
/// Σ a[i]·b[i]
float helios_dot(const float *a, const float *b, size_t n);
/// Σ table[m·k + code[m]] over m < subquantizers: a product-quantized
/// distance from a per-query table of `subquantizers` × `centroids` floats.
float helios_adc(const float *table, const uint8_t *code, size_t subquantizers, size_t centroids);
/// The kernel set in use ("avx512", "avx2" or "portable").
const char *helios_kernel_name(void);

/// Asks the CPU to start loading the cache line at `address`.
static inline void helios_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
#endif
