typedef unsigned long DWORD;
