import Foundation

#if FUZZING
import CLibFuzzer
#endif

/// The function a fuzz target runs on one input; it traps when an invariant fails, as libFuzzer expects.
///
/// A C function pointer because libFuzzer calls it; the bytes may be `nil` when the input is empty.
public typealias FuzzTestOneInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// The one `main` of every fuzz target, so the same executable is both the fuzzer and its regression runner.
///
/// - Built with `-DFUZZING` (and the sanitizer flags of `scripts/fuzz`), it hands the command line to
///   libFuzzer's driver: `fuzz-duration -max_total_time=60 CORPUS_DIR` fuzzes as any libFuzzer binary does.
/// - In an ordinary build, it replays every file of the corpus directories (or the single files) given as
///   arguments and exits 0, so a plain `swift build` keeps building the targets and CI can replay the corpora
///   without sanitizers.
///
/// An explicit driver call, rather than libFuzzer's own `main`, because SwiftPM renames an executable's
/// entry point (`--defsym main=<module>_main`) and so needs a Swift `@main` in every build.
public enum FuzzMain {
    public static func run(_ testOneInput: FuzzTestOneInput) -> Never {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
        #else
        exit(CorpusReplay.run(paths: Array(CommandLine.arguments.dropFirst()), testOneInput))
        #endif
    }
}
