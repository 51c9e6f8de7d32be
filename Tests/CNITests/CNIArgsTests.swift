import Testing

@testable import CNI

@Suite struct CNIArgsTests {
    @Test func parsesPairs() {
        let args = CNIArgs("IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=abc;K8S_POD_UID=u-1;IP=10.1.2.9;MAC=0a:58:00:00:00:01")
        #expect(args.ignoreUnknown)
        #expect(args.k8sPodNamespace == "default")
        #expect(args.k8sPodName == "web-0")
        #expect(args.k8sPodInfraContainerID == "abc")
        #expect(args.k8sPodUID == "u-1")
        #expect(args.ip == "10.1.2.9")
        #expect(args.mac == "0a:58:00:00:00:01")
        #expect(args.pairs.count == 7)
        #expect(args.text == args.raw)
    }

    @Test func emptyAndMalformed() {
        #expect(CNIArgs("").pairs.isEmpty)
        // Leniently, bad pairs are skipped and the rest kept.
        let args = CNIArgs("a=b;broken;c=d=e;;f=")
        #expect(args.pairs == [.init(key: "a", value: "b"), .init(key: "f", value: "")])
        #expect(CNIArgs("IP=1;IP=2").ip == "2")  // last wins, as LoadArgs assigns in order
    }

    @Test(arguments: ["1", "true", "TRUE", "True"])
    func ignoreUnknownTrue(value: String) {
        #expect(CNIArgs("IgnoreUnknown=\(value)").ignoreUnknown)
    }

    @Test(arguments: ["0", "false", "yes", ""])
    func ignoreUnknownFalse(value: String) {
        #expect(!CNIArgs("IgnoreUnknown=\(value)").ignoreUnknown)
    }

    @Test func validationAsLoadArgs() throws {
        try CNIArgs("").validate(knownKeys: [])
        try CNIArgs("IP=10.0.0.2").validate(knownKeys: ["IP"])
        try CNIArgs("IgnoreUnknown=1;X=y").validate(knownKeys: [])
        try CNIArgs("IgnoreUnknown=false").validate(knownKeys: [])
        #expect(throws: CNIError(.invalidEnvironmentVariables, #"ARGS: unknown args ["X=y" "Z=\"q\""]"#)) {
            try CNIArgs(#"X=y;IP=1;Z="q""#).validate(knownKeys: ["IP"])
        }
        #expect(throws: CNIError(.invalidEnvironmentVariables, #"ARGS: invalid pair "a=b=c""#)) {
            try CNIArgs("a=b=c").validate(knownKeys: ["a"])
        }
        #expect(throws: CNIError(.invalidEnvironmentVariables, #"ARGS: invalid pair "noequals""#)) {
            try CNIArgs("IgnoreUnknown=1;noequals").validate(knownKeys: [])
        }
        #expect(throws: CNIError(
            .invalidEnvironmentVariables,
            #"ARGS: error parsing value of pair "IgnoreUnknown=Maybe": boolean unmarshal error: invalid input maybe"#)
        ) {
            try CNIArgs("IgnoreUnknown=Maybe").validate(knownKeys: [])
        }
    }
}

@Suite struct GoQuoteTests {
    @Test func quotesAsStrconvQuote() {
        #expect(goQuote("plain") == #""plain""#)
        #expect(goQuote("a\"b\\c") == #""a\"b\\c""#)
        #expect(goQuote("line\n\ttab\r\u{07}\u{0B}\u{0C}\u{08}") == #""line\n\ttab\r\a\v\f\b""#)
        #expect(goQuote("\u{01}\u{7F}") == #""\x01\x7f""#)
        #expect(goQuote("é€😀") == "\"é€😀\"")
        #expect(goQuote("\u{A0}\u{200B}\u{E000}") == #""\u00a0\u200b\ue000""#)
        #expect(goQuote(bytes: [0x61, 0xFF, 0x62]) == #""a\xffb""#)
    }
}
