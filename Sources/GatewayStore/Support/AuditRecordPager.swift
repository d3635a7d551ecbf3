/// Turns page-by-page fetching into one lazy stream, so an export of any size holds one page in memory.
///
/// Pull-based: a page is fetched only when the consumer has used the previous one, so a slow consumer
/// slows the reads instead of filling memory. Backend-neutral: the backend supplies `fetchPage`.
package actor AuditRecordPager {
    /// Returns up to `limit` records with a sequence above `afterSequence`, in sequence order.
    package typealias FetchPage = @Sendable (_ afterSequence: Int, _ limit: Int) async throws -> [AuditRecord]

    private let pageSize: Int
    private let fetchPage: FetchPage
    private var afterSequence: Int
    private var page: ArraySlice<AuditRecord> = []
    private var isExhausted = false

    package init(afterSequence: Int, pageSize: Int, fetchPage: @escaping FetchPage) {
        precondition(pageSize > 0, "a page must hold at least one record")
        self.afterSequence = afterSequence
        self.pageSize = pageSize
        self.fetchPage = fetchPage
    }

    /// The records as a stream; it ends after a page shorter than the page size.
    package nonisolated var records: AsyncThrowingStream<AuditRecord, any Error> {
        AsyncThrowingStream { try await self.next() }
    }

    private func next() async throws -> AuditRecord? {
        if self.page.isEmpty, !self.isExhausted {
            let fetched = try await self.fetchPage(self.afterSequence, self.pageSize)
            self.isExhausted = fetched.count < self.pageSize
            self.afterSequence = fetched.last?.sequence ?? self.afterSequence
            self.page = fetched[...]
        }
        return self.page.popFirst()
    }
}
