/// Segura's v1 response envelope (segura-api.md §4.1 form 1 and §4.2), rendered compactly with the documented
/// key order.
enum SeguraEnvelope {
    /// The key that repeats the message after `detail`.
    enum MessageKey: String, Sendable {
        /// `"mensagem"`, the usual Portuguese key.
        case mensagem
        /// `"Message"`, as documented for PUT enable credential, PUT enable SSH key and DELETE disable device.
        case capitalised = "Message"
    }

    /// `{"code":200,"response":{…,"error":false,…}}`.
    static func success(_ message: String, key: MessageKey) -> String {
        "{\"code\":200,\"response\":\(self.response(status: 200, message: message, isError: false, key: key))}"
    }

    /// An error envelope; with `exceptionCode` it adds the `exception` block of numbered business errors.
    ///
    /// `error_code`/`cod_erro` are 1, never the real number (§4.2). Numbered messages are `"NNNN: text"`.
    static func failure(status: Int, message: String, exceptionCode: Int? = nil) -> String {
        var body = "{\"code\":\(status),\"response\":"
        body += self.response(status: status, message: message, isError: true, key: .mensagem)
        if let exceptionCode {
            body += ",\"exception\":{\"code\":\(exceptionCode),\"message\":\(JSONText.quoted(message)),\"detail\":null}"
        }
        return body + "}"
    }

    /// The business-error number a message starts with (`"1043: …"` gives 1043), if any.
    static func number(of message: String) -> Int? {
        guard let colon = message.firstIndex(of: ":") else {
            return nil
        }
        let digits = message[..<colon]
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return nil
        }
        return Int(digits)
    }

    private static func response(status: Int, message: String, isError: Bool, key: MessageKey) -> String {
        let quoted = JSONText.quoted(message)
        let flag = isError ? 1 : 0
        return "{\"status\":\(status),\"message\":\(quoted),\"error\":\(isError),\"error_code\":\(flag),"
            + "\"detail\":\"\",\"\(key.rawValue)\":\(quoted),\"erro\":\(isError),\"cod_erro\":\(flag)}"
    }
}
