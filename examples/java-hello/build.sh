#!/bin/sh
# Builds the function archive's one jar with the JDK alone: build/function/hello.jar, for Java 17
# and later, its manifest naming the function (MANIFEST.MF: Skyhook-Function: hello.Hello).
set -eu
cd "$(dirname "$0")"
rm -rf build
mkdir -p build/classes build/function
javac --release 17 -d build/classes src/main/java/hello/Hello.java
jar --create --file build/function/hello.jar --manifest MANIFEST.MF -C build/classes .
echo "built $(pwd)/build/function/hello.jar"
