"""`backend-architect chat`: the agent of `design`, in a conversation that lasts and can be resumed.

app.py the loop; turn.py one turn of the agent over the conversation; commands.py the slash
commands; render.py streaming Markdown; store.py the SQLite sessions; review.py the /review seam.
Nothing is imported here, so `--help` stays fast.
"""
