import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The self-pipe the signal handler writes signal numbers into, created before any handler is installed.
///
/// A global `let` so the C handler can reach it without capturing anything; it is only read after creation.
private let signalPipe: (read: Int32, write: Int32) = {
    var descriptors: [Int32] = [-1, -1]
    precondition(pipe(&descriptors) == 0, "pipe() failed: errno \(errno)")
    return (descriptors[0], descriptors[1])
}()

/// Catches SIGINT and SIGTERM so the simulator shuts down cleanly instead of being killed, however soon after
/// the "listening" line a signal arrives.
///
/// The handlers are installed synchronously with `signal(2)` and only `write(2)` the signal number into a pipe
/// (async-signal-safe); a thread of its own blocks reading the pipe. Dispatch sources were tried first: they
/// register asynchronously, and a signal sent right after the "listening" line was lost or killed the process.
struct TerminationSignals {
    private let signals: AsyncStream<Int32>

    /// Installs the handlers and starts the reading thread, which lives as long as the process.
    init() {
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.signals = signals
        Thread.detachNewThread {
            var number: UInt8 = 0
            while read(signalPipe.read, &number, 1) == 1 {
                continuation.yield(Int32(number))
            }
        }
        for number in [SIGINT, SIGTERM] {
            signal(number) { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipe.write, &byte, 1)
            }
        }
    }

    /// Waits for the next signal and returns its number.
    func next() async -> Int32 {
        for await number in self.signals {
            return number
        }
        return SIGTERM
    }
}
