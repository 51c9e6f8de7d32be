extension StringProtocol {
    /// Whether `needle` occurs in the text (UTF-8 bytes compared). The standard library has no
    /// substring search without _StringProcessing, which the plugins do not link.
    @inlinable
    public func containsText(_ needle: some StringProtocol) -> Bool {
        let hay = Array(utf8), pattern = Array(needle.utf8)
        guard !pattern.isEmpty else { return true }
        guard pattern.count <= hay.count else { return false }
        for start in 0...(hay.count - pattern.count) where hay[start] == pattern[0] {
            if hay[start..<(start + pattern.count)].elementsEqual(pattern) { return true }
        }
        return false
    }
}
