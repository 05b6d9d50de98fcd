import sys

try:
    from study.cli import main
except KeyboardInterrupt:  # Ctrl-C while the study is still being imported: nothing has been touched
    print("interrupted: nothing was written", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
