#!/usr/bin/env python
from shegong.cli import main

if __name__ == "__main__":
    main()
