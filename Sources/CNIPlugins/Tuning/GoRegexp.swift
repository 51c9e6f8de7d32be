/// The part of Go's `regexp` syntax (RE2) an allowlist line uses, matched the way Go's
/// `regexp.MatchString` matches: anywhere in the text unless anchored. Written here rather than
/// with Swift's `Regex` so that plugins carry no `_StringProcessing` (2 MB of the multi-call
/// binary, and its start-up).
///
/// Supported: literals and escaped punctuation (`\.`), `.` (not a newline), classes (`[a-z_]`,
/// `[^0-9]`, `[[:alpha:]]`, `\d \w \s` and their negations, inside classes too), `^` and `$` (of
/// the whole text, as Go's default), `\A`, `\z`, groups (`(…)`, `(?:…)`, `(?P<name>…)`), `|`,
/// and the repetitions `* + ? {n} {n,} {n,m}` (lazy forms too: for "is there a match" they are
/// the same). Anything else (flags such as `(?i)`, `\b`, Unicode classes) is refused with a
/// message, so a line is never silently read as something else.
struct GoRegexp {
    indirect enum Node {
        case scalar(Unicode.Scalar)
        case any
        case set(ScalarSet)
        case begin, end
        case concat([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int?)
    }

    /// A class: ranges of scalars, possibly negated.
    struct ScalarSet {
        var ranges: [ClosedRange<UInt32>] = []
        var negated = false

        func contains(_ s: Unicode.Scalar) -> Bool {
            ranges.contains { $0.contains(s.value) } != negated
        }

        mutating func add(_ other: ScalarSet) {
            if other.negated {
                // The complement of `other`'s ranges, over all scalars.
                var start: UInt32 = 0
                for r in other.ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
                    if r.lowerBound > start { ranges.append(start...(r.lowerBound - 1)) }
                    start = max(start, r.upperBound + 1)
                }
                if start <= 0x10FFFF { ranges.append(start...0x10FFFF) }
            } else {
                ranges += other.ranges
            }
        }
    }

    struct SyntaxError: Error, CustomStringConvertible {
        var description: String
    }

    /// The compiled program (a Thompson NFA, run as a Pike VM): linear in the text whatever the
    /// pattern, as RE2 guarantees, so no allowlist line can make an ADD backtrack for ages.
    enum Instruction {
        case scalar(Unicode.Scalar)
        case any
        case set(ScalarSet)
        case begin, end
        case split(Int, Int)
        case jump(Int)
        case match
    }

    let program: [Instruction]

    /// Programs larger than this are refused (nested counted repetitions multiply).
    static let maxInstructions = 20_000

    init(_ pattern: String) throws(SyntaxError) {
        var parser = Parser(Array(pattern.unicodeScalars))
        let root = try parser.alternation()
        guard parser.atEnd else { throw SyntaxError(description: "unexpected ) at offset \(parser.position)") }
        var program: [Instruction] = []
        try Self.compile(root, into: &program)
        program.append(.match)
        self.program = program
    }

    private static func compile(_ node: Node, into out: inout [Instruction]) throws(SyntaxError) {
        guard out.count < maxInstructions else { throw SyntaxError(description: "expression too large") }
        switch node {
        case .scalar(let c): out.append(.scalar(c))
        case .any: out.append(.any)
        case .set(let set): out.append(.set(set))
        case .begin: out.append(.begin)
        case .end: out.append(.end)
        case .concat(let nodes): for n in nodes { try compile(n, into: &out) }
        case .alternation(let nodes):
            // split L1, next; L1: a; jump end; next: split L2, … ; last branch falls through.
            var jumps: [Int] = []
            for (k, n) in nodes.enumerated() {
                if k < nodes.count - 1 {
                    let split = out.count
                    out.append(.split(split + 1, 0))
                    try compile(n, into: &out)
                    jumps.append(out.count)
                    out.append(.jump(0))
                    out[split] = .split(split + 1, out.count)
                } else {
                    try compile(n, into: &out)
                }
            }
            for j in jumps { out[j] = .jump(out.count) }
        case .repetition(let inner, let min, let max):
            for _ in 0..<min { try compile(inner, into: &out) }
            if let max {
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(out.count)
                    out.append(.split(out.count + 1, 0))
                    try compile(inner, into: &out)
                }
                for k in splits { out[k] = .split(k + 1, out.count) }
            } else {
                let loop = out.count
                out.append(.split(loop + 1, 0))
                try compile(inner, into: &out)
                out.append(.jump(loop))
                out[loop] = .split(loop + 1, out.count)
            }
        }
    }

    /// Whether the pattern matches somewhere in `text` (`regexp.MatchString`).
    func matches(_ text: String) -> Bool {
        let s = Array(text.unicodeScalars)
        var current: [Int] = []
        var next: [Int] = []
        var mark = [Int](repeating: -1, count: program.count)
        var generation = 0

        // Follows the instructions that consume nothing from `pc` at position `i`; true at a match.
        func add(_ pc: Int, _ i: Int, to list: inout [Int]) -> Bool {
            if mark[pc] == generation { return false }
            mark[pc] = generation
            switch program[pc] {
            case .jump(let to): return add(to, i, to: &list)
            case .split(let a, let b): return add(a, i, to: &list) || add(b, i, to: &list)
            case .begin: return i == 0 && add(pc + 1, i, to: &list)
            case .end: return i == s.count && add(pc + 1, i, to: &list)
            case .match: return true
            case .scalar, .any, .set:
                list.append(pc)
                return false
            }
        }

        for i in 0...s.count {
            // Unanchored: a new attempt starts at every position (after the running ones).
            if add(0, i, to: &current) { return true }
            guard i < s.count else { break }
            generation += 1
            next.removeAll(keepingCapacity: true)
            for pc in current {
                let accepted: Bool
                switch program[pc] {
                case .scalar(let c): accepted = s[i] == c
                case .any: accepted = s[i] != "\n"
                case .set(let set): accepted = set.contains(s[i])
                default: accepted = false
                }
                if accepted, add(pc + 1, i + 1, to: &next) { return true }
            }
            swap(&current, &next)
        }
        return false
    }
}

extension GoRegexp {
    struct Parser {
        let p: [Unicode.Scalar]
        var position = 0

        init(_ p: [Unicode.Scalar]) { self.p = p }

        var atEnd: Bool { position == p.count }
        var peek: Unicode.Scalar? { atEnd ? nil : p[position] }

        mutating func take() -> Unicode.Scalar? {
            guard let c = peek else { return nil }
            position += 1
            return c
        }

        func fail(_ what: String) -> SyntaxError { SyntaxError(description: "\(what) at offset \(position)") }

        mutating func alternation() throws(SyntaxError) -> Node {
            var branches = [try concatenation()]
            while peek == "|" {
                position += 1
                branches.append(try concatenation())
            }
            return branches.count == 1 ? branches[0] : .alternation(branches)
        }

        mutating func concatenation() throws(SyntaxError) -> Node {
            var items: [Node] = []
            while let c = peek, c != "|", c != ")" {
                var atom = try self.atom()
                while let q = try quantifier() { atom = .repetition(atom, min: q.min, max: q.max) }
                items.append(atom)
            }
            return items.count == 1 ? items[0] : .concat(items)
        }

        mutating func atom() throws(SyntaxError) -> Node {
            guard let c = take() else { throw fail("missing expression") }
            switch c {
            case ".": return .any
            case "^": return .begin
            case "$": return .end
            case "[": return .set(try bracket())
            case "\\": return try escape(inClass: false)
            case "(":
                if peek == "?" {
                    position += 1
                    if peek == ":" {
                        position += 1
                    } else if peek == "P" || peek == "<" {
                        if peek == "P" { position += 1 }
                        guard take() == "<" else { throw fail("invalid named capture") }
                        while let n = take(), n != ">" { _ = n }
                    } else {
                        throw fail("unsupported group flags (?…)")
                    }
                }
                let inner = try alternation()
                guard take() == ")" else { throw fail("missing closing )") }
                return inner
            case "*", "+", "?": throw fail("missing argument to repetition operator \(c)")
            default: return .scalar(c)
            }
        }

        /// `* + ? {n} {n,} {n,m}`, each with an optional lazy `?`; a `{` that starts none is a literal.
        mutating func quantifier() throws(SyntaxError) -> (min: Int, max: Int?)? {
            var q: (min: Int, max: Int?)
            switch peek {
            case "*": q = (0, nil)
            case "+": q = (1, nil)
            case "?": q = (0, 1)
            case "{":
                let start = position
                position += 1
                guard let low = number() else {
                    position = start
                    return nil
                }
                var high: Int? = low
                if peek == "," {
                    position += 1
                    high = number()
                }
                guard take() == "}" else {
                    position = start
                    return nil
                }
                guard low <= 1000, high.map({ $0 >= low && $0 <= 1000 }) ?? true else { throw fail("invalid repeat count") }
                q = (low, high)
                if peek == "?" { position += 1 }
                return q
            default: return nil
            }
            position += 1
            if peek == "?" { position += 1 }
            return q
        }

        mutating func number() -> Int? {
            var digits = ""
            while let c = peek, ("0"..."9").contains(c) {
                digits.unicodeScalars.append(c)
                position += 1
            }
            return Int(digits)
        }

        mutating func bracket() throws(SyntaxError) -> ScalarSet {
            var set = ScalarSet()
            if peek == "^" {
                position += 1
                set.negated = true
            }
            var first = true
            while true {
                guard let c = take() else { throw fail("missing closing ]") }
                if c == "]" && !first { return set }
                first = false
                var low: Unicode.Scalar
                if c == "[" && peek == ":" {
                    set.add(try posixClass())
                    continue
                } else if c == "\\" {
                    switch try escape(inClass: true) {
                    case .scalar(let escaped): low = escaped
                    case .set(let perl):
                        set.add(perl)
                        continue
                    default: throw fail("invalid escape in a character class")
                    }
                } else {
                    low = c
                }
                if peek == "-", position + 1 < p.count, p[position + 1] != "]" {
                    position += 1
                    guard var high = take() else { throw fail("missing closing ]") }
                    if high == "\\" {
                        guard case .scalar(let escaped) = try escape(inClass: true) else { throw fail("invalid character class range") }
                        high = escaped
                    }
                    guard low.value <= high.value else { throw fail("invalid character class range") }
                    set.ranges.append(low.value...high.value)
                } else {
                    set.ranges.append(low.value...low.value)
                }
            }
        }

        mutating func posixClass() throws(SyntaxError) -> ScalarSet {
            position += 1  // ":"
            var name = ""
            while let c = take(), c != ":" { name.unicodeScalars.append(c) }
            guard take() == "]" else { throw fail("invalid POSIX class") }
            let ascii: [String: [ClosedRange<UInt32>]] = [
                "alpha": [65...90, 97...122], "digit": [48...57], "alnum": [48...57, 65...90, 97...122],
                "upper": [65...90], "lower": [97...122], "space": [9...13, 32...32], "xdigit": [48...57, 65...70, 97...102],
                "punct": [33...47, 58...64, 91...96, 123...126], "word": [48...57, 65...90, 95...95, 97...122],
            ]
            guard let ranges = ascii[name] else { throw fail("unsupported POSIX class [:\(name):]") }
            return ScalarSet(ranges: ranges)
        }

        /// After a backslash: a literal, a Perl class (`\d \w \s`, upper case negated) or, outside
        /// classes, `\A` / `\z`.
        mutating func escape(inClass: Bool) throws(SyntaxError) -> Node {
            guard let c = take() else { throw fail("trailing backslash") }
            let perl: [Unicode.Scalar: [ClosedRange<UInt32>]] = [
                "d": [48...57], "w": [48...57, 65...90, 95...95, 97...122], "s": [9...10, 12...13, 32...32],
            ]
            switch c {
            case "t": return .scalar("\t")
            case "n": return .scalar("\n")
            case "r": return .scalar("\r")
            case "f": return .scalar("\u{0C}")
            case "v": return .scalar("\u{0B}")
            case "A" where !inClass: return .begin
            case "z" where !inClass: return .end
            case "d", "w", "s": return .set(ScalarSet(ranges: perl[c]!))
            case "D", "W", "S":
                let lower = Unicode.Scalar(c.value + 32)!
                return .set(ScalarSet(ranges: perl[lower]!, negated: true))
            default:
                // Go allows any escaped punctuation; letters and digits it does not know are errors.
                guard c.value < 128, !(c.properties.isAlphabetic || ("0"..."9").contains(c)) else {
                    throw fail("unsupported escape \\\(c)")
                }
                return .scalar(c)
            }
        }
    }
}
