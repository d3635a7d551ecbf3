/// The body format of a Kong-generated error, chosen from the request's `Accept` header the way Kong 3.4 does
/// (`Kong/kong` `kong/tools/utils.lua`: `get_response_type`, `get_mime_type`, `ERROR_TEMPLATES`).
enum KongErrorFormat: Equatable {
    /// `{"message":"…"}` in Kong's two-space template; also the default.
    case json
    /// Kong's "Kong Error" HTML page.
    case html
    /// `<error><message>…</message></error>`.
    case xml
    /// The message and a newline.
    case plain

    /// Picks the acceptable type with the strictly highest `q`, first one winning ties; unknown types,
    /// `*/*` and a missing header give JSON.
    init(accept: String?) {
        self = .json
        guard let accept else {
            return
        }
        var bestQuality = 0.0
        for entry in accept.split(separator: ",") {
            let parameters = entry.split(separator: ";").map { $0.trimmingASCIIWhitespace().lowercased() }
            guard let mediaType = parameters.first, mediaType.contains("/"),
                let quality = Self.quality(parameters.dropFirst()), quality > bestQuality
            else {
                continue
            }
            bestQuality = quality
            self = Self(mediaType: mediaType)
        }
    }

    private init(mediaType: String) {
        switch mediaType {
        case "text/html": self = .html
        case "application/xml": self = .xml
        case "text/plain", "text/*": self = .plain
        default: self = .json  // application/json, application/*, */* and unknown types
        }
    }

    /// The `q` parameter (1 when absent), or `nil` when it is not a number in 0…1 (Kong skips such entries).
    private static func quality(_ parameters: ArraySlice<String>) -> Double? {
        guard let q = parameters.first(where: { $0.hasPrefix("q=") }) else {
            return 1
        }
        guard let value = Double(q.dropFirst(2)), (0...1).contains(value) else {
            return nil
        }
        return value
    }

    /// The `Content-Type` Kong sends with this format.
    var contentType: String {
        switch self {
        case .json: "application/json; charset=utf-8"
        case .html: "text/html; charset=utf-8"
        case .xml: "application/xml; charset=utf-8"
        case .plain: "text/plain; charset=utf-8"
        }
    }

    /// Kong's template for this format filled with `message` (Kong does not escape it; ours are constants).
    func body(_ message: String) -> String {
        switch self {
        case .json:
            "{\n  \"message\":\"\(message)\"\n}"
        case .html:
            """
            <!doctype html>
            <html>
              <head>
                <meta charset="utf-8">
                <title>Kong Error</title>
              </head>
              <body>
                <h1>Kong Error</h1>
                <p>\(message).</p>
              </body>
            </html>

            """
        case .xml:
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <error>
              <message>\(message)</message>
            </error>

            """
        case .plain:
            "\(message)\n"
        }
    }
}
