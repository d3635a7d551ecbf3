import FormReading
import FuzzSupport

/// Fuzzes `URLEncodedForm(parsing:)`, the reader of Slack's and Mattermost's form bodies.
///
/// Invariants beyond not crashing: an accepted form has at most the field limit, distinct names, a value for
/// every name, and reads back the same when every byte of its names and values is percent-encoded again; a
/// refused body carries one of the four documented codes and a short message.
@main enum FuzzURLEncodedForm {
    static let maximumFields = 64

    static func main() {
        FuzzMain.run { data, size in
            let body = FuzzInput.bytes(data, size)
            do throws(FormError) {
                Self.checkAccepted(try URLEncodedForm(parsing: body, maximumFields: Self.maximumFields), body)
            } catch {
                let codes: Set<String> = ["invalid_percent_encoding", "invalid_utf8", "duplicate_field", "too_many_fields"]
                FuzzExpect.error(code: error.code, message: error.message, in: codes, input: String(decoding: body, as: UTF8.self))
            }
            return 0
        }
    }

    private static func checkAccepted(_ form: URLEncodedForm, _ body: [UInt8]) {
        let input = String(decoding: body, as: UTF8.self)
        precondition(form.names.count <= Self.maximumFields, "accepted \(form.names.count) fields: \(input)")
        precondition(Set(form.names).count == form.names.count, "accepted a name twice: \(input)")
        precondition(form.names.allSatisfy { form[$0] != nil }, "a name without a value: \(input)")
        let encoded = form.names.map { Self.percentEncoded($0) + "=" + Self.percentEncoded(form[$0]!) }.joined(separator: "&")
        let reread = try? URLEncodedForm(parsing: Array(encoded.utf8), maximumFields: Self.maximumFields)
        precondition(reread == form, "accepted \(input)\nbut its re-encoding \(encoded) reads as \(String(describing: reread))")
    }

    private static let hexDigits = Array("0123456789ABCDEF")

    /// Every UTF-8 byte as `%XX`, so nothing in the text is read as syntax.
    private static func percentEncoded(_ text: String) -> String {
        text.utf8.map { "%\(Self.hexDigits[Int($0 >> 4)])\(Self.hexDigits[Int($0 & 0x0F)])" }.joined()
    }
}
