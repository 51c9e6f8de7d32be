import Foundation
import Testing

/// CStartup's libm functions (Sources/CStartup/math.c), which stand in for libm's in the release
/// binary: the rounding functions must give libm's results bit for bit, and the stubs that load
/// libm on first call must reach libm's function with every kind of argument.
@Suite struct MathTests {
    /// libm itself, looked up in its own handle (not through this executable's definitions).
    nonisolated(unsafe) static let libm = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL)!
    static func reference<F>(_ name: String, as type: F.Type) -> F {
        unsafeBitCast(dlsym(libm, name)!, to: type)
    }

    /// The file mapped where a function pointer points (from /proc/self/maps).
    static func home(_ address: UnsafeRawPointer) -> String {
        let a = UInt(bitPattern: address)
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return "?" }
        for line in maps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let range = fields[0].split(separator: "-").compactMap { UInt($0, radix: 16) }
            if range.count == 2, range[0] <= a, a < range[1] { return fields.count > 5 ? String(fields[5]) : "" }
        }
        return "?"
    }

    static let doubles: [Double] = [
        0, -0.0, 0.3, -0.3, 0.5, -0.5, 0.7, -0.7, 1, -1, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994,
        -0.49999999999999994, 4503599627370495.5, -4503599627370495.5, 0x1p52, -0x1p52, 0x1p52 + 1, 1e300, -1e300,
        .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 123456.789, -123456.789, .infinity, -.infinity, .nan, Double.greatestFiniteMagnitude,
    ]
    static let floats: [Float] = [
        0, -0.0, 0.3, -0.3, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999997, 8388607.5, -8388607.5, 0x1p23, 0x1p23 + 1,
        1e38, -1e38, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 1234.567, -1234.567, .infinity, -.infinity, .nan,
    ]

    @Test(arguments: ["ceil", "floor", "trunc", "round"])
    func roundingIsLibmsBitForBit(_ name: String) {
        typealias D = @convention(c) (Double) -> Double
        typealias F = @convention(c) (Float) -> Float
        let ours: (D, F) = switch name {
        case "ceil": (ceil, ceilf)
        case "floor": (floor, floorf)
        case "trunc": (trunc, truncf)
        default: (round, roundf)
        }
        let libm = (Self.reference(name, as: D.self), Self.reference(name + "f", as: F.self))
        for x in Self.doubles {
            #expect(ours.0(x).bitPattern == libm.0(x).bitPattern, "\(name)(\(x)): \(ours.0(x)), libm \(libm.0(x))")
        }
        for x in Self.floats {
            #expect(ours.1(x).bitPattern == libm.1(x).bitPattern, "\(name)f(\(x)): \(ours.1(x)), libm \(libm.1(x))")
        }
    }

    /// The functions this executable links are CStartup's, not libm's: what keeps libm out of the
    /// release binary.
    @Test func definedHereNotInLibm() {
        let functions: [(String, UnsafeRawPointer)] = [
            ("ceil", unsafeBitCast(ceil as @convention(c) (Double) -> Double, to: UnsafeRawPointer.self)),
            ("sin", unsafeBitCast(sin as @convention(c) (Double) -> Double, to: UnsafeRawPointer.self)),
        ]
        for (name, address) in functions {
            #expect(!Self.home(address).contains("libm."), "\(name) is libm's, from \(Self.home(address))")
        }
    }

    #if arch(x86_64)
    /// Stubs bound on first call: the result is libm's for integer, pointer, SSE and x87 (stack)
    /// arguments, on the first call and on later ones.
    @Test func lazyStubsReachLibm() {
        let x = Double(CommandLine.arguments.count) * 0.25 + 0.5  // not a constant the compiler folds
        for _ in 0..<2 {
            #expect(sin(x) == Self.reference("sin", as: (@convention(c) (Double) -> Double).self)(x))
            #expect(sinf(Float(x)) == Self.reference("sinf", as: (@convention(c) (Float) -> Float).self)(Float(x)))
            #expect(fma(x, 3, 0.1) == Self.reference("fma", as: (@convention(c) (Double, Double, Double) -> Double).self)(x, 3, 0.1))
            #expect(jn(3, x) == Self.reference("jn", as: (@convention(c) (Int32, Double) -> Double).self)(3, x))
            var q: Int32 = 0, qRef: Int32 = 0
            let r = remquo(x * 7, 2, &q)
            let rRef = Self.reference("remquo", as: (@convention(c) (Double, Double, UnsafeMutablePointer<Int32>) -> Double).self)(x * 7, 2, &qRef)
            #expect(r == rRef && q == qRef)
            var sign: Int32 = 0, signRef: Int32 = 0
            let g = lgamma_r(-x, &sign)
            let gRef = Self.reference("lgamma_r", as: (@convention(c) (Double, UnsafeMutablePointer<Int32>) -> Double).self)(-x, &signRef)
            #expect(g == gRef && sign == signRef)
            let p = powl(Float80(x), 7.5)
            #expect(p == Self.reference("powl", as: (@convention(c) (Float80, Float80) -> Float80).self)(Float80(x), 7.5))
        }
    }
    #endif
}
