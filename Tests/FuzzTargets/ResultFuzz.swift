import CNI

/// A plugin's result as a runtime or a chained plugin reads it, converted to every version the
/// spec has. Properties: conversion to a version and printing never fail for a result that was
/// read; what is printed in a version reads back, in that version, to the converted result; and
/// converting again changes nothing (libcni's converters are idempotent on their own output).
/// Error objects (`{code, msg, details}`) are read too.
enum ResultFuzz {
    static func run(_ bytes: [UInt8]) {
        guard let json = try? JSONParser.parse(bytes) else { return }
        _ = try? CNIError(json: json)
        let result: CNIResult
        do {
            result = try CNIResult(json: json)
        } catch {
            fuzzCheck(error.code == .decodingFailure || error.code == .incompatibleCNIVersion, "result refused with code \(error.code): \(error.msg)")
            return
        }
        for version in CNIVersion.allStrings {
            let converted: CNIResult
            let printed: [UInt8]
            do {
                converted = try result.converted(to: version)
                printed = try converted.printed(version: version)
            } catch {
                // 0.1.0/0.2.0 results have only ip4/ip6: one with no address cannot be written in
                // their terms (libcni refuses it with the same message and its internal code).
                let noAddress = error.code == .internal && error.msg == "cannot convert: no valid IP addresses"
                    && (version == "0.1.0" || version == "0.2.0") && result.ips.isEmpty
                fuzzCheck(
                    noAddress || error.code == .incompatibleCNIVersion || error.code == .decodingFailure,
                    "converting to \(version) failed with \(error.code): \(error.msg)")
                continue
            }
            do {
                let back = try CNIResult(json: try JSONParser.parse(printed), version: version)
                fuzzCheck(back == converted, "\(version): printed result reads back differently: \(String(decoding: printed, as: UTF8.self))")
                let twice = try back.converted(to: version)
                fuzzCheck(twice == converted, "\(version): converting twice differs")
            } catch {
                fuzzCheck(false, "\(version): printed result does not read back (\(error)): \(String(decoding: printed, as: UTF8.self))")
            }
        }
    }
}
