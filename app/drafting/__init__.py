"""The drafts blueprint: the AI-written appeal letter (§6).

routes.py (start, status, refine) -> service.py (limits, budget, queue or run now) ->
runner.py (prompt, writer integration, clean text, fallback template); jobs.py runs the
queue. The appeal itself (story, photos, payment) belongs to app/appeals, which this
package reads through the models only.
"""
