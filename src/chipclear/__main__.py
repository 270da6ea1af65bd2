from chipclear.cli import main

main()
