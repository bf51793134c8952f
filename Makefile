# Build, test, install and demonstrate the Swift PC/SC stack.
#
#   make            build release binaries into build/
#   make check      install test dependencies (apt-get, as root) and run every test
#   make demo       start pcscd with a virtual reader and run real clients against it
#   make install    install into $(DESTDIR)$(PREFIX)
#   make bench      run the benchmarks against Debian's pcsc-lite

PREFIX ?= /usr/local
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
SBINDIR ?= $(PREFIX)/sbin
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DESTDIR ?=

SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
SWIFTC ?= $(dir $(realpath $(SWIFT)))swiftc
SWIFT_BUILD_FLAGS ?= -c release
BUILD := $(CURDIR)/build
SWIFT_BIN = $(shell $(SWIFT) build $(SWIFT_BUILD_FLAGS) --show-bin-path)

# Debian 12 packages the tests and the demo run against.
TEST_PACKAGES := pcscd libpcsclite-dev pcsc-tools python3-pyscard libusb-1.0-0-dev \
	umockdev gir1.2-umockdev-1.0 python3-gi systemd-container \
	debootstrap pkg-config gcc g++ make valgrind gdb openjdk-17-jdk-headless
BUILD_PACKAGES := libusb-1.0-0-dev pkg-config gcc g++

.PHONY: all build deps build-deps check unit-tests integration-tests demo install bench \
	bench-smoke clean

all: build

# libpcsclite.so.1 and pcscd are built with Embedded Swift by their own scripts (see
# Package.swift). SwiftPM builds only the IFD handler library here.
build: build-deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS) --product ifdvirtual
	rm -rf $(BUILD)
	mkdir -p $(BUILD)/lib $(BUILD)/sbin
	SWIFTC=$(SWIFTC) scripts/build-libpcsclite.sh $(BUILD)/lib/libpcsclite.so.1.0.0
	SWIFTC=$(SWIFTC) scripts/build-pcscd.sh $(BUILD)/sbin/pcscd
	ln -s libpcsclite.so.1.0.0 $(BUILD)/lib/libpcsclite.so.1
	ln -s libpcsclite.so.1 $(BUILD)/lib/libpcsclite.so
	cp $(SWIFT_BIN)/libifdvirtual.so $(BUILD)/lib/libifdvirtual.so
	strip --strip-unneeded $(BUILD)/lib/libpcsclite.so.1.0.0 $(BUILD)/lib/libifdvirtual.so
	strip --strip-debug $(BUILD)/sbin/pcscd

# Installs missing Debian packages; needs root and Debian's package registry.
deps:
	@scripts/install-packages.sh $(TEST_PACKAGES)

build-deps:
	@scripts/install-packages.sh $(BUILD_PACKAGES)

check: deps build unit-tests integration-tests bench-smoke
	@echo "make check: unit tests, integration tests and the benchmark smoke pass all passed."

unit-tests:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

integration-tests: build
	Tests/integration/run-all.sh $(BUILD)

demo: deps build
	scripts/demo.sh $(BUILD)

# Installs what `make` built; builds first only when the build directory is incomplete.
install:
	@if [ ! -x $(BUILD)/sbin/pcscd ] || [ ! -e $(BUILD)/lib/libpcsclite.so.1.0.0 ]; then $(MAKE) build; fi
	PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR) SBINDIR=$(SBINDIR) \
		SYSTEMDUNITDIR=$(SYSTEMDUNITDIR) DESTDIR=$(DESTDIR) scripts/install.sh $(BUILD)

bench: deps build
	bench/run.sh $(BUILD)

bench-smoke: build
	bench/run.sh --smoke $(BUILD)

clean:
	rm -rf $(BUILD) .build
