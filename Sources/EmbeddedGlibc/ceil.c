/*
 * ceil(3) for the Embedded Swift build of pcscd (scripts/build-pcscd.sh). The standard
 * library's hash tables call it to size their storage, and it is the daemon's only use
 * of libm, so the daemon maps no libm.so.6. The static libm.a cannot stand in, because
 * its ceil selects a CPU variant through glibc internals that only static programs have.
 */
double ceil(double x)
{
    /* Doubles of magnitude 2^52 and above are integers. NaN and the infinities fail the
       comparison too and are returned as they are. */
    if (!(__builtin_fabs(x) < 4503599627370496.0))
        return x;

    double truncated = (double)(long long)x;
    if (truncated < x)
        truncated += 1.0;
    /* The sign is kept, so ceil(-0.5) is -0.0, as C requires. */
    return __builtin_copysign(truncated, x);
}
