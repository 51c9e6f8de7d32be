import NetAddress
/// The name checks libcni applies to container IDs, network names and interface names, with its
/// codes and messages. ``PluginMain`` runs them on every request; a runtime (cnitool) runs them
/// before exec'ing a plugin.
public enum CNIValidation {
    /// `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`, the spec's rule for container IDs and network names.
    public static func isValidName(_ name: String) -> Bool {
        var first = true
        for c in name.utf8 {
            let alnum = (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
            if first {
                guard alnum else { return false }
                first = false
            } else {
                guard alnum || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") else { return false }
            }
        }
        return !first
    }

    /// Empty: code 3 `missing containerID`; bad characters: code 4
    /// `invalid characters in containerID` with the ID as details.
    public static func validateContainerID(_ id: String) throws(CNIError) {
        guard !id.isEmpty else { throw CNIError(.unknownContainer, "missing containerID") }
        guard isValidName(id) else {
            throw CNIError(.invalidEnvironmentVariables, "invalid characters in containerID", details: id)
        }
    }

    /// Code 7: empty (`missing network name`), or not matching the name rule or containing `..`
    /// (`invalid characters found in network name`, name as details). The name becomes a
    /// directory (host-local's `<dataDir>/<name>`) and part of file names, so `/`, NUL and `..`
    /// must never get through; the character rule already rejects the first two.
    public static func validateNetworkName(_ name: String) throws(CNIError) {
        guard !name.isEmpty else { throw CNIError(.invalidNetworkConfig, "missing network name") }
        guard isValidName(name), !name.containsText("..") else {
            throw CNIError(.invalidNetworkConfig, "invalid characters found in network name", details: name)
        }
    }

    /// The kernel's `dev_valid_name()` rules, code 4: not empty, at most 15 bytes, not `.` or
    /// `..`, and no `/`, `:` or whitespace.
    public static func validateInterfaceName(_ name: String) throws(CNIError) {
        guard !name.isEmpty else { throw CNIError(.invalidEnvironmentVariables, "interface name is empty") }
        guard name.utf8.count <= 15 else {
            throw CNIError(
                .invalidEnvironmentVariables, "interface name is too long",
                details: "interface name should be less than 16 characters")
        }
        guard name != ".", name != ".." else {
            throw CNIError(.invalidEnvironmentVariables, "interface name is . or ..")
        }
        for s in name.unicodeScalars where s == "/" || s == ":" || s.properties.isWhitespace {
            throw CNIError(.invalidEnvironmentVariables, "interface name contains / or : or whitespace characters")
        }
    }
}
