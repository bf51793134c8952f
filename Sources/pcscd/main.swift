print("pcscd")
