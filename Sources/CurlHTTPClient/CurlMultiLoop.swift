import CCurl
import Foundation
import Synchronization

/// Owns one libcurl multi handle and the dedicated thread that drives every transfer through it.
///
/// One multi handle means one connection pool and one DNS cache for all requests, so repeated calls
/// to the same host reuse keep-alive connections instead of paying a TCP and TLS handshake each time.
/// No thread is blocked per request: callers suspend on a continuation, and the single loop thread
/// waits in `curl_multi_poll` for socket activity, libcurl timers or a `curl_multi_wakeup` from a caller.
///
/// The loop thread is the only thread that touches easy handles and the multi handle, except for
/// `curl_multi_wakeup`, which libcurl documents as callable from any thread.
final class CurlMultiLoop: Sendable {
    /// A message from callers to the loop thread.
    private enum Command {
        case start(TransferTicket, OutboundRequest, CheckedContinuation<OutboundResponse, any Error>)
        case cancel(UInt64)
    }

    /// What callers share with the loop thread, guarded by a mutex.
    private struct Inbox {
        var commands: [Command] = []
        var isAcceptingWork = true
        var shutdownRequested = false
        var hasStopped = false
        /// Whether a wake-up was sent that the loop has not yet answered by taking the commands: callers that
        /// queue meanwhile need not send another (each is a `send` on libcurl's socket pair).
        var isWakeupPending = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let multi: MultiHandle
    private let inbox = Mutex(Inbox())
    private let configuration: CurlHTTPClient.Configuration
    private let counters: Counters

    /// Totals kept for observability and for the connection-reuse tests.
    final class Counters: Sendable {
        let completedTransfers = Atomic<Int>(0)
        let connectionsOpened = Atomic<Int>(0)
    }

    init(configuration: CurlHTTPClient.Configuration, counters: Counters) throws(OutboundClientError) {
        CurlGlobal.ensureInitialized()
        guard let multi = curl_multi_init() else { throw .invalidRequest("curl_multi_init failed") }
        ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, configuration.maxConnectionsPerHost))
        ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, configuration.connectionCacheSize)
        self.multi = MultiHandle(pointer: multi)
        self.configuration = configuration
        self.counters = counters
        let thread = Thread { [self] in self.run() }
        thread.name = "segura-curl-loop"
        thread.start()
    }

    /// Queues `request`, whose continuation the loop thread resumes when it completes. Returns `false`,
    /// leaving the continuation to the caller, once the loop is shutting down.
    func start(_ request: OutboundRequest, ticket: TransferTicket, continuation: CheckedContinuation<OutboundResponse, any Error>) -> Bool {
        self.updateInboxAndWake { inbox in
            guard inbox.isAcceptingWork else { return false }
            inbox.commands.append(.start(ticket, request, continuation))
            return true
        }
    }

    /// Asks the loop to abort the transfer `id`; its continuation then throws `CancellationError`.
    func cancel(_ id: UInt64) {
        self.updateInboxAndWake { inbox in
            inbox.commands.append(.cancel(id))
            return true
        }
    }

    /// Stops accepting work, fails transfers still running with ``OutboundClientError/shutdown``,
    /// frees every libcurl handle and returns once the loop thread has ended.
    func shutdown() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let alreadyStopped = self.updateInboxAndWake { inbox in
                if inbox.hasStopped { return false }
                inbox.isAcceptingWork = false
                inbox.shutdownRequested = true
                inbox.shutdownWaiters.append(waiter)
                return true
            } == false
            if alreadyStopped {
                waiter.resume()
            }
        }
    }

    /// Changes the inbox and, if `update` returns `true`, wakes the loop thread, unless a wake-up is pending.
    ///
    /// The wake-up happens under the inbox lock and only while the loop has not stopped: the loop
    /// sets `hasStopped` under the same lock before it frees the multi handle, so a wake-up can never
    /// touch a freed handle. The loop clears `isWakeupPending` under the same lock as it takes the commands,
    /// so a command queued after that sends a wake-up of its own.
    @discardableResult
    private func updateInboxAndWake(_ update: (inout Inbox) -> Bool) -> Bool {
        self.inbox.withLock { inbox in
            guard update(&inbox) else { return false }
            if !inbox.hasStopped, !inbox.isWakeupPending {
                inbox.isWakeupPending = true
                curl_multi_wakeup(self.multi.pointer)
            }
            return true
        }
    }

    // MARK: - Loop thread

    /// The loop thread's body: everything below runs on that thread only.
    private func run() {
        var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]
        var handleByID: [UInt64: UnsafeMutableRawPointer] = [:]

        while true {
            let (commands, stopping) = self.inbox.withLock { inbox in
                defer { inbox.commands.removeAll(keepingCapacity: true) }
                inbox.isWakeupPending = false
                return (inbox.commands, inbox.shutdownRequested)
            }
            for command in commands {
                switch command {
                case .start(let ticket, let request, let continuation):
                    do {
                        let transfer = try CurlTransfer(
                            ticket: ticket,
                            request: request,
                            configuration: self.configuration,
                            continuation: continuation
                        )
                        curl_multi_add_handle(self.multi.pointer, transfer.handle)
                        active[transfer.handle] = transfer
                        handleByID[ticket.id] = transfer.handle
                    } catch {
                        ticket.finish()
                        continuation.resume(throwing: error)
                    }
                case .cancel(let id):
                    guard let handle = handleByID.removeValue(forKey: id), let transfer = active.removeValue(forKey: handle) else {
                        continue  // already finished: the cancellation lost the race, which is fine
                    }
                    curl_multi_remove_handle(self.multi.pointer, handle)
                    transfer.ticket.finish()
                    transfer.continuation.resume(throwing: CancellationError())
                }
            }

            if stopping {
                for transfer in active.values {
                    curl_multi_remove_handle(self.multi.pointer, transfer.handle)
                    transfer.ticket.finish()
                    transfer.continuation.resume(throwing: OutboundClientError.shutdown(requestWasSent: transfer.requestWasSent))
                }
                active.removeAll()
                break
            }

            var running: Int32 = 0
            curl_multi_perform(self.multi.pointer, &running)
            var queued: Int32 = 0
            while let message = curl_multi_info_read(self.multi.pointer, &queued) {
                guard ccurl_message_is_done(message) != 0, let handle = ccurl_message_easy_handle(message),
                    let transfer = active.removeValue(forKey: handle)
                else { continue }
                let code = ccurl_message_result(message)
                handleByID.removeValue(forKey: transfer.ticket.id)
                let result = transfer.result(curlCode: code)
                curl_multi_remove_handle(self.multi.pointer, handle)
                self.record(result)
                transfer.ticket.finish()
                transfer.continuation.resume(with: result.mapError { $0 as any Error })
            }
            // Sleeps until a socket is ready, a libcurl timer is due, a caller wakes us, or 1 s passes.
            curl_multi_poll(self.multi.pointer, nil, 0, 1000, nil)
        }

        let waiters = self.inbox.withLock { inbox in
            inbox.hasStopped = true
            defer { inbox.shutdownWaiters.removeAll() }
            return inbox.shutdownWaiters
        }
        curl_multi_cleanup(self.multi.pointer)
        for waiter in waiters { waiter.resume() }
    }

    private func record(_ result: Result<OutboundResponse, OutboundClientError>) {
        self.counters.completedTransfers.add(1, ordering: .relaxed)
        if case .success(let response) = result {
            self.counters.connectionsOpened.add(response.connectionsOpened, ordering: .relaxed)
        }
    }
}

/// The `CURLM *` shared between the loop thread and callers.
///
/// `@unchecked Sendable` is safe because of a usage rule this file keeps: only the loop thread calls
/// libcurl with this pointer, except `curl_multi_wakeup`, which libcurl documents as thread-safe
/// ("This function can be called from any thread", https://curl.se/libcurl/c/curl_multi_wakeup.html).
/// Callers wake the loop only under the inbox lock and only while `hasStopped` is false, and the loop
/// sets `hasStopped` under that lock before `curl_multi_cleanup`, so no call can reach a freed handle.
private struct MultiHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
}

/// Performs `curl_global_init` exactly once per process, before the first multi handle exists.
enum CurlGlobal {
    private static let initialized: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK
    }()

    static func ensureInitialized() {
        _ = self.initialized
    }
}
