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

/// A one-byte spin lock (per graph node while a build inserts on several threads).
static inline void helios_spin_lock(uint8_t *lock) {
    while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE)) {
        while (__atomic_load_n(lock, __ATOMIC_RELAXED)) {
#if defined(__x86_64__)
            __builtin_ia32_pause();
#endif
        }
    }
}
static inline void helios_spin_unlock(uint8_t *lock) { __atomic_store_n(lock, 0, __ATOMIC_RELEASE); }

/// Asks the CPU to start loading the cache line at `address`.
static inline void helios_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
#endif
