import IFDVirtual
