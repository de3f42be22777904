extension DashboardAssets {
    static let css = #"""
        :root { --fg: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f7f8fa; --card: #fff; --accent: #3b5bdb;
                --done: #2f9e44; --running: #1c7ed6; --failed: #e03131; --pending: #adb5bd; --cancelled: #f08c00; --interrupted: #ae3ec9; --stopped: #868e96; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
        header { display: flex; align-items: center; gap: 16px; padding: 10px 24px; background: #1d2330; color: #fff; }
        header a { color: #fff; text-decoration: none; }
        .brand { font-weight: 700; font-size: 18px; letter-spacing: .5px; }
        nav a, nav span { color: #c9d1e0; margin-right: 6px; }
        nav a:hover { color: #fff; }
        .live { margin-left: auto; font-size: 12px; color: #c9d1e0; }
        .live.stale { color: #ffa8a8; }
        main { padding: 20px 24px; max-width: 1280px; margin: 0 auto; }
        h1 { font-size: 20px; margin: 0 0 4px; }
        h2 { font-size: 16px; margin: 0 0 10px; }
        .card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-bottom: 16px; }
        .muted { color: var(--muted); }
        .error { color: var(--failed); white-space: pre-wrap; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { font-weight: 600; color: var(--muted); font-size: 12px; white-space: nowrap; }
        th.sortable { cursor: pointer; user-select: none; }
        th.sortable:hover { color: var(--fg); }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.clickable { cursor: pointer; }
        tr.clickable:hover td { background: #f1f3f9; }
        .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; color: #fff; margin-right: 4px; white-space: nowrap; }
        .s-done { background: var(--done); } .s-running { background: var(--running); } .s-failed { background: var(--failed); }
        .s-pending { background: var(--pending); } .s-cancelled { background: var(--cancelled); } .s-interrupted { background: var(--interrupted); }
        .s-stopped { background: var(--stopped); }
        .bar { display: flex; height: 8px; border-radius: 4px; overflow: hidden; background: #eef0f4; min-width: 160px; }
        .bar span { display: block; height: 100%; }
        .counts { margin-top: 8px; } table.attempts { margin-top: 10px; }
        .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 16px; }
        .sweep-card h2 a { color: var(--accent); text-decoration: none; }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin-top: 10px; font-size: 13px; }
        .facts dt { color: var(--muted); } .facts dd { margin: 0; }
        .toolbar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-bottom: 10px; }
        input, select, button { font: inherit; padding: 4px 8px; border: 1px solid #cfd4dc; border-radius: 6px; background: #fff; }
        button { cursor: pointer; } button:disabled { cursor: default; opacity: .5; }
        .chart-wrap { display: flex; gap: 16px; align-items: flex-start; flex-wrap: wrap; }
        .configs { max-height: 320px; overflow: auto; min-width: 260px; flex: 1; font-size: 13px; }
        .configs label { display: flex; gap: 6px; align-items: center; padding: 1px 0; }
        .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; flex: none; }
        svg.chart { background: #fff; border: 1px solid var(--line); border-radius: 6px; user-select: none; }
        svg.chart .axis { stroke: #98a2b3; } svg.chart .gridline { stroke: #eef0f4; }
        svg.chart text { font-size: 11px; fill: var(--muted); }
        svg.chart .band { opacity: .18; } svg.chart .curve-mean { fill: none; stroke-width: 2; }
        svg.chart .selection { fill: rgba(59, 91, 219, .12); stroke: var(--accent); }
        pre { background: #0f1320; color: #d6deeb; padding: 12px; border-radius: 6px; overflow: auto; max-height: 420px; font-size: 12px; margin: 0; }
        .report-table { overflow-x: auto; margin-bottom: 14px; }
        .report-table td { white-space: nowrap; }
        .pager { display: flex; gap: 8px; align-items: center; margin-top: 8px; }
        .config-cell { max-width: 420px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }

        """#
}
