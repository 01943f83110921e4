from congressgen.cli import main

main()
