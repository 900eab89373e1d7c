import CVectorKernels

/// SIMD distance kernels over contiguous Float32 vectors. The hot pair
/// kernels are C functions chosen at run time for the CPU (AVX-512 or
/// AVX2+FMA, see CVectorKernels); the Swift versions below accumulate in
/// `SIMD16<Float>` lanes (`acc += d * d`: without FMA in the target,
/// `addProduct` becomes a library call per element) and are the reference
/// the tests hold the C kernels to.
public enum Distances {
    /// Σ (a[i] − b[i])².
    @inline(__always)
    public static func squaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        // Short vectors (PQ subspaces, k-means on them) are not worth a call.
        if count <= 16 {
            var sum: Float = 0
            for i in 0..<count { let d = a[i] - b[i]; sum += d * d }
            return sum
        }
        return helios_l2sq(a, b, count)
    }

    /// Σ a[i]·b[i].
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        if count <= 16 {
            var sum: Float = 0
            for i in 0..<count { sum += a[i] * b[i] }
            return sum
        }
        return helios_dot(a, b, count)
    }

    /// Which C kernel set this CPU runs ("avx512", "avx2", "portable").
    public static var kernelName: String { String(cString: helios_kernel_name()) }

    /// Asks the CPU to start loading the memory at `address`.
    @inline(__always)
    public static func prefetch(_ address: UnsafeRawPointer) { helios_prefetch(address) }

    /// Σ (a[i] − b[i])² in Swift SIMD.
    @inlinable
    public static func swiftSquaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var i = 0
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 32 <= count {
            let d0 = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            let d1 = ra.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
            acc0 += d0 * d0
            acc1 += d1 * d1
            i += 32
        }
        if i + 16 <= count {
            let d = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            acc0 += d * d
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            let d = a[i] - b[i]
            sum += d * d
            i += 1
        }
        return sum
    }

    /// Σ a[i]·b[i] in Swift SIMD.
    @inlinable
    public static func swiftDot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var i = 0
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 32 <= count {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: (i + 16) * 4, as: SIMD16<Float>.self)
            i += 32
        }
        if i + 16 <= count {
            acc0 += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// (a·b, |a|², |b|²) in one pass, for cosine distance.
    @inlinable
    public static func dotAndNorms(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> (Float, Float, Float) {
        var i = 0
        var ab = SIMD16<Float>(), aa = SIMD16<Float>(), bb = SIMD16<Float>()
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 16 <= count {
            let x = ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            let y = rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            ab += x * y
            aa += x * x
            bb += y * y
            i += 16
        }
        var (sab, saa, sbb) = (ab.sum(), aa.sum(), bb.sum())
        while i < count {
            sab += a[i] * b[i]
            saa += a[i] * a[i]
            sbb += b[i] * b[i]
            i += 1
        }
        return (sab, saa, sbb)
    }

    /// a·b / (|a| |b|) as pgvector computes it: float4 sums, the quotient
    /// in double, clamped to [-1, 1] (sums that overflow or underflow give
    /// 0 or ±1); NaN when either vector is zero.
    @inlinable
    public static func cosineSimilarity(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Double {
        let (dot, aa, bb) = dotAndNorms(a, b, count)
        let similarity = Double(dot) / (Double(aa) * Double(bb)).squareRoot()
        return similarity > 1 ? 1 : similarity < -1 ? -1 : similarity
    }

    /// Scales `v` to unit length in place (left unchanged when zero).
    @inlinable
    public static func normalize(_ v: UnsafeMutablePointer<Float>, _ count: Int) {
        let norm = dot(v, v, count).squareRoot()
        guard norm > 0 else { return }
        let inverse = 1 / norm
        for i in 0..<count { v[i] *= inverse }
    }
}
