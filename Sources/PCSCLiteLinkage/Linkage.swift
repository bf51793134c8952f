import PCSCLite
