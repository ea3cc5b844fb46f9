"""Every sentence of the class report and the feedback pages, in English and Japanese."""
from __future__ import annotations

STATUS_WORDS = {
    "en": {"passed": "passed", "partial": "partial", "failed": "failed", "timed out": "timed out",
           "crashed": "crashed", "blank": "blank", "manual": "waiting for a person", "unknown": "unknown"},
    "ja": {"passed": "合格", "partial": "部分点", "failed": "不合格", "timed out": "時間切れ",
           "crashed": "異常終了", "blank": "未解答", "manual": "採点待ち", "unknown": "不明"},
}

REPORT = {
    "en": {
        "title": "Class report: {assignments}",
        "generated": "Generated {when} from the gradebook ({rows} graded cells of {submissions} submissions, "
                     "{students} students); read in {read:.1f} s.",
        "overview": "Where the class stands",
        "assignment": "assignment", "submissions": "submissions", "mean": "mean", "median": "median",
        "min": "min", "max": "max", "max_points": "points", "exercise": "exercise", "pass_rate": "pass rate",
        "mean_score": "mean score", "students": "students",
        "scores_assignment": "Score distribution per assignment",
        "scores_assignment_note": "Each submission's total as a share of the assignment's points (written answers "
                                  "count once a person has graded them).",
        "scores_exercise": "Score distribution per exercise",
        "scores_exercise_note": "For each exercise, the share of submissions by how much of its points they earned "
                                "(visible and hidden checks together).",
        "pass_rates": "Pass rate per exercise, lowest first",
        "pass_rates_note": "Passed: every point of the exercise's checks, visible and hidden.",
        "mistakes": "Known mistakes by frequency",
        "mistakes_note": "A submission counts once per mistake, however many of the exercise's checks named it. "
                         "Share: of the submissions of that assignment.",
        "mistake": "mistake", "count": "count", "share": "share of the class", "message": "what it means",
        "no_mistakes": "No known mistake was named.",
        "faults": "Submissions that timed out, crashed or broke the notebook",
        "faults_note": "Cells that did not complete score 0; the grader's reason is given.",
        "student": "student", "what": "what happened", "no_faults": "None.",
        "fault_failed": "grading stopped: {reason}", "fault_cells": "{count} cell(s) {status}: {cells}",
        "fault_restored": "notebook altered: {count} instructor cell(s) restored ({cells})",
        "written": "Written answers waiting for a person",
        "written_note": "Grade them in nbgrader's formgrader; the totals above include them only once graded.",
        "cell": "cell", "no_written": "None.",
        "written_more": "… and {count} more (every one is in grades.csv, status “waiting for a person”).",
        "run": "The grading run",
        "run_line": "{finished}: {graded} submissions graded in {seconds:.1f} s ({rate:.1f} per second, "
                    "{per:.2f} s each), {skipped} already graded, {failed} with faults; {mode}.",
        "run_none": "No run of dlgrade grade is recorded for these assignments (results/runs.jsonl).",
        "run_span": "The JSON results were written over {span:.1f} s: {count} submissions, "
                    "{rate:.1f} per second.",
        "run_work": "Time the workers spent per submission: median {median:.2f} s, slowest {slowest:.2f} s "
                    "({who}); {total:.1f} s in all.",
        "run_nbgrader": "{count} submission(s) have no JSON result (graded by nbgrader autograde): nbgrader records "
                        "no grading time, and their statuses and mistakes are read from the autograded notebooks.",
        "mode_bubblewrap": "bubblewrap sandbox", "mode_weak": "weaker mode, no bubblewrap",
        "files": "Files: grades.csv (one row per student per graded cell, then a total per submission), "
                 "mistakes.csv, and the figures as PNG beside this page.",
        "all_exercises": "All exercises",
        "fig_scores_title": "{assignment}", "fig_share": "share of points", "fig_submissions": "submissions",
        "fig_pass_rate": "pass rate", "fig_mistakes_x": "submissions making it",
        "bins": ("0", "under half", "half or more", "all points"),
        "fig_mistakes_title": "Known mistakes by frequency",
        "fig_mistakes_top": " (the {count} most frequent)",
        "fig_pass_title": "Pass rate per exercise (lowest first)",
        "fig_exercise_title": "Points earned per exercise (share of submissions)",
    },
    "ja": {
        "title": "クラスレポート: {assignments}",
        "generated": "{when} に成績簿から作成 (提出 {submissions} 件・学生 {students} 人の採点セル {rows} 個)。"
                     "読み込み {read:.1f} 秒。",
        "overview": "クラスの状況",
        "assignment": "課題", "submissions": "提出数", "mean": "平均", "median": "中央値", "min": "最小",
        "max": "最大", "max_points": "配点", "exercise": "問題", "pass_rate": "合格率", "mean_score": "平均得点率",
        "students": "学生",
        "scores_assignment": "課題ごとの得点分布",
        "scores_assignment_note": "各提出の合計点を課題の配点に対する割合で示します (記述式の解答は人が採点した後に加算)。",
        "scores_exercise": "問題ごとの得点分布",
        "scores_exercise_note": "各問題について、得点の割合 (公開テストと非公開テストの合計) ごとの提出の割合です。",
        "pass_rates": "問題ごとの合格率 (低い順)",
        "pass_rates_note": "合格: その問題のチェック (公開・非公開) の満点。",
        "mistakes": "よくある間違い (多い順)",
        "mistakes_note": "1 件の提出は、問題のいくつのチェックで指摘されても 1 回と数えます。割合はその課題の提出数に対するものです。",
        "mistake": "間違い", "count": "件数", "share": "クラスの割合", "message": "説明",
        "no_mistakes": "よくある間違いは指摘されませんでした。",
        "faults": "時間切れ・異常終了・ノートブックを壊した提出",
        "faults_note": "完了しなかったセルは 0 点です。採点器の理由を示します。",
        "student": "学生", "what": "内容", "no_faults": "ありません。",
        "fault_failed": "採点が途中で止まりました: {reason}", "fault_cells": "{count} 個のセルが{status}: {cells}",
        "fault_restored": "ノートブックが改変されていました: 教員のセル {count} 個を復元 ({cells})",
        "written": "人の採点を待っている記述式の解答",
        "written_note": "nbgrader の formgrader で採点してください。上の合計点には採点後に加算されます。",
        "cell": "セル", "no_written": "ありません。",
        "written_more": "… ほか {count} 件 (すべて grades.csv に状態「採点待ち」で記載)。",
        "run": "採点の実行",
        "run_line": "{finished}: 提出 {graded} 件を {seconds:.1f} 秒で採点 (毎秒 {rate:.1f} 件、1 件 {per:.2f} 秒)、"
                    "採点済み {skipped} 件、障害 {failed} 件。{mode}。",
        "run_none": "これらの課題について dlgrade grade の実行記録 (results/runs.jsonl) はありません。",
        "run_span": "JSON の結果は {span:.1f} 秒の間に書かれました: 提出 {count} 件、毎秒 {rate:.1f} 件。",
        "run_work": "ワーカーが提出 1 件にかけた時間: 中央値 {median:.2f} 秒、最長 {slowest:.2f} 秒 ({who})、合計 {total:.1f} 秒。",
        "run_nbgrader": "提出 {count} 件には JSON の結果がありません (nbgrader autograde で採点): nbgrader は採点時間を"
                        "記録しないため、状態と間違いは採点済みノートブックから読み取りました。",
        "mode_bubblewrap": "bubblewrap サンドボックス", "mode_weak": "弱いモード (bubblewrap なし)",
        "files": "ファイル: grades.csv (学生ごと・採点セルごとに 1 行、続いて提出ごとの合計)、mistakes.csv、"
                 "このページの隣に PNG の図。",
        "all_exercises": "すべての問題",
        "fig_scores_title": "{assignment}", "fig_share": "得点の割合", "fig_submissions": "提出数",
        "fig_pass_rate": "合格率", "fig_mistakes_x": "その間違いをした提出数",
        "bins": ("0 点", "半分未満", "半分以上", "満点"),
        "fig_mistakes_title": "よくある間違い (多い順)",
        "fig_mistakes_top": " (上位 {count} 件)",
        "fig_pass_title": "問題ごとの合格率 (低い順)",
        "fig_exercise_title": "問題ごとの得点 (提出の割合)",
    },
}

FEEDBACK = {
    "en": {
        "title": "{assignment}: feedback for {student}",
        "total": "Total: {score:g} of {max:g} points ({share:.0f} %)",
        "nbgrader_link": "Your notebook with every cell's output, as graded:",
        "exercise": "exercise", "points": "points", "status": "status", "check": "check",
        "visible": "visible check", "hidden": "hidden check",
        "cases": "{passed} of {total} cases passed",
        "failing_case": "Failing case: {case}",
        "hidden_failed": "What failed: {what}",
        "hidden_fixed": "on a case the visible check runs too: {case}",
        "hidden_random": "on one of the random hidden cases",
        "hidden_note": "The hidden check uses inputs you have not seen; this page says only which property of "
                       "your result was wrong, never the inputs or the expected values.",
        "mistake": "Known mistake [{id}]: {hint}",
        "written": "written answer", "written_waiting": "waiting for your instructor to grade it",
        "written_graded": "graded by your instructor",
        "stopped": "The notebook stopped before grading finished (it exited, or ran out of time or memory): "
                   "the cells after that point score 0.",
        "restored": "Some of the instructor's cells in your notebook had been changed or deleted; they were "
                    "restored before grading.",
        "how_to_fix": "What to do",
        "blank_hint": "Fill in the exercise's cell (replace `raise NotImplementedError()`) and run its check.",
        "note_language": "",
    },
    "ja": {
        "title": "{assignment}: {student} さんへのフィードバック",
        "total": "合計: {max:g} 点中 {score:g} 点 ({share:.0f} %)",
        "nbgrader_link": "採点されたノートブック (すべてのセルの出力):",
        "exercise": "問題", "points": "得点", "status": "状態", "check": "チェック",
        "visible": "公開テスト", "hidden": "非公開テスト",
        "cases": "{total} ケース中 {passed} ケースに合格",
        "failing_case": "不合格のケース: {case}",
        "hidden_failed": "不合格の点: {what}",
        "hidden_fixed": "公開テストにもあるケース: {case}",
        "hidden_random": "非公開のランダムなケースのひとつ",
        "hidden_note": "非公開テストは見せていない入力を使います。このページでは結果のどの性質が違ったかだけを示し、"
                       "入力や期待値は示しません。",
        "mistake": "よくある間違い [{id}]: {hint}",
        "written": "記述式の解答", "written_waiting": "先生の採点待ちです", "written_graded": "先生が採点しました",
        "stopped": "採点が終わる前にノートブックが止まりました (終了した、または時間やメモリの制限を超えた)。"
                   "それ以降のセルは 0 点です。",
        "restored": "ノートブックの中の教員のセルが変更または削除されていたため、採点の前に元に戻しました。",
        "how_to_fix": "直し方",
        "blank_hint": "問題のセルを埋め (`raise NotImplementedError()` を置き換え)、チェックを実行してください。",
        "note_language": "",
    },
}

# The page's fonts: the system's UI font, then the CJK fonts a Japanese page needs (Noto Sans CJK JP
# is Debian's fonts-noto-cjk; the others are macOS's and Windows's), then any sans-serif.
FONT_STACK = ('system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK JP", "Noto Sans JP", '
              '"Hiragino Sans", "Hiragino Kaku Gothic ProN", "Yu Gothic", "Meiryo", "IPAexGothic", '
              '"Source Han Sans JP", sans-serif')
MONO_STACK = ('ui-monospace, "SFMono-Regular", Menlo, Consolas, "Noto Sans Mono CJK JP", "Noto Sans Mono", '
              '"DejaVu Sans Mono", monospace')
