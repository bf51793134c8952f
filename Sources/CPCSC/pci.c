int cpcsc_placeholder;
