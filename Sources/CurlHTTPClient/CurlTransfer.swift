import CCurl

/// One request's libcurl easy handle and the response it is collecting.
///
/// It is created, driven and destroyed on the loop thread only, so it is deliberately not `Sendable`:
/// libcurl forbids using an easy handle from two threads. C callbacks reach it through an unretained
/// pointer; the loop keeps it alive in its table of active transfers until libcurl reports it done.
final class CurlTransfer {
    let ticket: TransferTicket
    let continuation: CheckedContinuation<OutboundResponse, any Error>
    /// The libcurl easy handle (`CURL *`).
    let handle: UnsafeMutableRawPointer

    private let maxBodySize: Int
    /// Response headers beyond this size are treated like an oversized body: no legitimate upstream sends them.
    private static let maxHeaderBytes = 64 * 1024
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var responseHeaders: [HTTPHeaderField] = []
    private var responseBody: [UInt8] = []
    private var headerBytes = 0
    private var exceededBodyLimit = false
    /// Set by libcurl's pre-request callback: the connection (and TLS) is up and the request is about to be written.
    private(set) var requestWasSent = false

    /// Prepares an easy handle for `request`. Throws ``OutboundClientError/invalidRequest`` if libcurl refuses an option.
    init(
        ticket: TransferTicket,
        request: OutboundRequest,
        configuration: CurlHTTPClient.Configuration,
        continuation: CheckedContinuation<OutboundResponse, any Error>
    ) throws(OutboundClientError) {
        guard let handle = curl_easy_init() else { throw .invalidRequest("curl_easy_init failed") }
        self.ticket = ticket
        self.continuation = continuation
        self.handle = handle
        self.maxBodySize = configuration.maxResponseBodySize
        self.errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        self.errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        try self.configure(request: request, configuration: configuration)
    }

    deinit {
        curl_easy_cleanup(self.handle)
        curl_slist_free_all(self.headerList)
        self.errorBuffer.deallocate()
    }

    /// The result of the transfer once libcurl reports it done with `code`.
    func result(curlCode code: CURLcode) -> Result<OutboundResponse, OutboundClientError> {
        guard code == CURLE_OK else {
            return .failure(
                .classify(
                    curlCode: Int(code.rawValue),
                    detail: String(cString: self.errorBuffer),
                    requestWasSent: self.requestWasSent,
                    exceededBodyLimit: self.exceededBodyLimit
                )
            )
        }
        var status = 0
        var connects = 0
        var totalMicroseconds: curl_off_t = 0
        ccurl_easy_getinfo_long(self.handle, CURLINFO_RESPONSE_CODE, &status)
        ccurl_easy_getinfo_long(self.handle, CURLINFO_NUM_CONNECTS, &connects)
        ccurl_easy_getinfo_off_t(self.handle, CURLINFO_TOTAL_TIME_T, &totalMicroseconds)
        return .success(
            OutboundResponse(
                status: status,
                headers: self.responseHeaders,
                body: self.responseBody,
                connectionsOpened: connects,
                totalTime: .microseconds(totalMicroseconds)
            )
        )
    }

    // MARK: - Options

    private func configure(request: OutboundRequest, configuration: CurlHTTPClient.Configuration) throws(OutboundClientError) {
        let userdata = Unmanaged.passUnretained(self).toOpaque()
        try self.set(CURLOPT_URL, request.url)
        // Only http and https: a configuration typo must not turn into file:// or gopher:// access.
        try self.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try self.set(CURLOPT_NOSIGNAL, 1)
        try self.set(CURLOPT_TCP_KEEPALIVE, 1)
        try self.set(CURLOPT_USERAGENT, configuration.userAgent)
        try self.set(CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.wholeMillisecondsRoundedUp)
        try self.set(CURLOPT_TIMEOUT_MS, (request.timeout ?? configuration.requestTimeout).wholeMillisecondsRoundedUp)
        try self.check(ccurl_easy_setopt_off_t(self.handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(configuration.maxResponseBodySize)))
        try self.check(ccurl_easy_setopt_pointer(self.handle, CURLOPT_ERRORBUFFER, self.errorBuffer))
        try self.check(ccurl_easy_setopt_data_callback(self.handle, CURLOPT_WRITEFUNCTION, curlWriteCallback))
        try self.check(ccurl_easy_setopt_pointer(self.handle, CURLOPT_WRITEDATA, userdata))
        try self.check(ccurl_easy_setopt_data_callback(self.handle, CURLOPT_HEADERFUNCTION, curlHeaderCallback))
        try self.check(ccurl_easy_setopt_pointer(self.handle, CURLOPT_HEADERDATA, userdata))
        try self.check(ccurl_easy_setopt_prereq_callback(self.handle, curlPrerequestCallback))
        try self.check(ccurl_easy_setopt_pointer(self.handle, CURLOPT_PREREQDATA, userdata))
        try self.configureMethodAndBody(request)
        try self.configureHeaders(request)
        try self.configureTLS(configuration.tls)
        // An empty proxy string turns off libcurl's own reading of `http_proxy`, `https_proxy` and `all_proxy`:
        // where Segura's credentials and callbacks go is decided by the configuration alone, never by the
        // environment a process happened to start in.
        try self.set(CURLOPT_PROXY, configuration.proxy ?? "")
    }

    private func configureMethodAndBody(_ request: OutboundRequest) throws(OutboundClientError) {
        switch request.method {
        case .get where request.body == nil:
            return
        case .head:
            try self.set(CURLOPT_NOBODY, 1)
            return
        default:
            try self.set(CURLOPT_CUSTOMREQUEST, request.method.rawValue)
        }
        // POST, PUT and PATCH always carry a Content-Length (0 when empty): some proxies reject a PUT without one.
        let body = request.body ?? []
        guard request.body != nil || request.method == .post || request.method == .put || request.method == .patch else { return }
        try self.check(ccurl_easy_setopt_off_t(self.handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
        // COPYPOSTFIELDS makes libcurl own a copy, so the Swift array need not outlive the transfer.
        guard !body.isEmpty else {
            try self.set(CURLOPT_COPYPOSTFIELDS, "")
            return
        }
        let code = body.withUnsafeBytes { buffer in
            ccurl_easy_setopt_pointer(self.handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress!))
        }
        try self.check(code)
    }

    private func configureHeaders(_ request: OutboundRequest) throws(OutboundClientError) {
        var lines = request.headers.map { "\($0.name): \($0.value)" }
        // "Expect:" stops libcurl's 100-continue round trip; "Content-Type:" stops its form default.
        lines.append("Expect:")
        if request.headers.first(named: "Content-Type") == nil {
            lines.append("Content-Type:")
        }
        for line in lines {
            guard !line.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A }) else {
                throw .invalidRequest("header contains a line break")
            }
            guard let list = curl_slist_append(self.headerList, line) else { throw .invalidRequest("curl_slist_append failed") }
            self.headerList = list
        }
        try self.check(ccurl_easy_setopt_pointer(self.handle, CURLOPT_HTTPHEADER, self.headerList))
    }

    private func configureTLS(_ tls: CurlHTTPClient.TLS) throws(OutboundClientError) {
        if let caFile = tls.caFile { try self.set(CURLOPT_CAINFO, caFile) }
        if let certificate = tls.clientCertificateFile { try self.set(CURLOPT_SSLCERT, certificate) }
        if let key = tls.clientKeyFile { try self.set(CURLOPT_SSLKEY, key) }
        if let password = tls.clientKeyPassword { try self.set(CURLOPT_KEYPASSWD, password) }
        if tls.insecureSkipVerification {
            try self.set(CURLOPT_SSL_VERIFYPEER, 0)
            try self.set(CURLOPT_SSL_VERIFYHOST, 0)
        }
    }

    private func set(_ option: CURLoption, _ value: Int) throws(OutboundClientError) {
        try self.check(ccurl_easy_setopt_long(self.handle, option, value))
    }

    private func set(_ option: CURLoption, _ value: String) throws(OutboundClientError) {
        try self.check(ccurl_easy_setopt_string(self.handle, option, value))
    }

    private func check(_ code: CURLcode) throws(OutboundClientError) {
        guard code == CURLE_OK else {
            throw .invalidRequest(String(cString: curl_easy_strerror(code)))
        }
    }

    // MARK: - Callbacks (called by libcurl on the loop thread)

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard self.responseBody.count + bytes.count <= self.maxBodySize else {
            self.exceededBodyLimit = true
            return 0  // anything but bytes.count aborts the transfer with CURLE_WRITE_ERROR
        }
        self.responseBody.append(contentsOf: bytes)
        return bytes.count
    }

    fileprivate func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Int {
        self.headerBytes += bytes.count
        guard self.headerBytes <= Self.maxHeaderBytes else {
            self.exceededBodyLimit = true
            return 0
        }
        // Parsed as bytes: a header line is ASCII in practice, and walking it by `Character` (grapheme clusters)
        // costs more than the rest of the transfer's bookkeeping.
        if bytes.starts(with: "HTTP/".utf8) {
            // A new status line: interim (1xx) responses' headers are dropped, only the final set is kept.
            self.responseHeaders.removeAll()
        } else if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            let name = Self.trimmed(bytes[..<colon])
            let value = Self.trimmed(bytes[(colon + 1)...])
            self.responseHeaders.append(HTTPHeaderField(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        return bytes.count
    }

    /// `bytes` without leading and trailing spaces, tabs, carriage returns and line feeds.
    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        let isSpace = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        guard let start = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) }) else {
            return bytes[bytes.startIndex..<bytes.startIndex]
        }
        return bytes[start...last]
    }

    fileprivate func markRequestSent() {
        self.requestWasSent = true
    }
}

/// Not `Sendable`: see the type's documentation.
@available(*, unavailable)
extension CurlTransfer: Sendable {}

private func transfer(from userdata: UnsafeMutableRawPointer?) -> CurlTransfer {
    Unmanaged<CurlTransfer>.fromOpaque(userdata!).takeUnretainedValue()
}

private let curlWriteCallback: ccurl_data_callback = { data, size, count, userdata in
    transfer(from: userdata).receiveBody(UnsafeRawBufferPointer(start: data, count: size * count))
}

private let curlHeaderCallback: ccurl_data_callback = { data, size, count, userdata in
    transfer(from: userdata).receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
}

private let curlPrerequestCallback: ccurl_prereq_callback = { userdata, _, _, _, _ in
    transfer(from: userdata).markRequestSent()
    return Int32(CURL_PREREQFUNC_OK)
}

