extension Command {
    public static let guide = """
        Every other parameter is free: any name, any JSON value, in base, grid, zip, include
        and exclude. The program gets them through {name} placeholders or $SWEEP_CONFIG.

        command   "python3 train.py --lr {lr} --seed {seed}" is split into words like a shell
                  would ('...', "...", backslash), but no shell runs it: write sh -c '...' for
                  pipes or variables. {name} is replaced inside its word by the job's value
                  (so a value with spaces stays one argument), {seed} by its seed, {{ and }}
                  are literal braces. A placeholder naming nothing the job defines is refused
                  at launch (exit 64) with its word and position.
        files     ["train.py", "data/"]: files and folders inside the spec's folder (for a
                  spec in Sweeps/ whose files are not there: the folder holding Sweeps/; no ..,
                  no absolute paths; at most 10000 files, 1 GiB). A folder leaves out hidden
                  entries (.git, ...), *.sqlite files, sweep-outputs/ and Reports/, which
                  change by themselves; name such a file on its own to ship it. Content hashes are
                  part of the job key: editing train.py makes new jobs, an unchanged file
                  never reruns one. They are cached by hash in ~/.cache/sweep/files, here at
                  launch and on each SSH host before its first job, and copied into a fresh
                  working folder for every attempt.

        Environment: SWEEP_CONFIG_FILE (a file holding the job's config as JSON),
        SWEEP_CONFIG (the same JSON, when it is at most 64 KiB), SWEEP_SEED, SWEEP_JOB (its
        key), SWEEP_ATTEMPT (from 1), SWEEP_OUTPUT (a folder for the program's output files),
        SWEEP_METRICS (a regular file for JSON lines of metrics), SWEEP_SLOT (the worker slot,
        from 0) and, on a host with "gpus", CUDA_VISIBLE_DEVICES (one device per slot).

        Metrics: a stdout line "name: number" or "name=number" (blanks around : or = allowed)
        records a metric; a name is one word of letters, digits, _ . / - (a letter or _ first,
        at most 200 bytes), a number is finite (no nan, inf, %). "epoch: N" or "step: N" sets
        the epoch the following ones belong to (0 before any; N a whole number >= 0). A line
        that is a JSON object ({"epoch": 3, "loss": 0.25, "note": "x"}) records its numbers;
        its other fields are ignored and counted; one with no number is ordinary output.
        Lines that look like metrics but are not read ("final accuracy: 0.93", "loss: nan",
        "epoch: 3/10", "acc: 93%", "loss=0.5, acc=0.9", {"loss": NaN}, {'loss': 0.5}, "acc: high" once acc
        was read) are counted, and the first 3 shown with the reason at the end of the job's
        log, once; the summary counts them (unread_metric_lines, ignored_metric_fields).
        The same JSON lines may be
        appended to $SWEEP_METRICS instead (followed every 0.5 s); parse_stdout: false
        ignores stdout. Metrics are sent while the program runs (an epoch's once the program
        pauses for 0.2 s or starts the next), so sweep status shows them live. Other lines are ordinary output: the first 1000 (at most 512 KiB) go to the job's log
        (sweep logs JOB), then only the last 40 (at most 512 KiB), after a line saying how much
        was dropped; of stderr the last 40 lines (512 KiB); lines are cut at 64 KiB. At most 1000
        metric names an epoch are kept; the log says so once when more come.

        Ending: exit status 0 is done; any other status fails the job at once (not retried),
        with the status and the end of stderr in its error. Death by a signal is retried
        like a crash. The program runs in its job runner's process group, under a guard (a
        child subreaper): a timeout, cancel, Ctrl-C or lost host kills it and everything it
        started, and whatever it leaves running when it exits is killed, even what left
        its group or session (setsid).
        """
}
