# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_pasv_global_optspecs
    string join \n u/user= password-env= tls no-tls ca-file= pin= k/insecure clear-data tls-min= tls-max= client-cert= client-key= active passive pasv-address= no-epsv epsv connect-timeout= timeout= noop-interval= j/parallel= retries= v/verbose q/quiet json progress= progress-interval= no-netrc no-glob f/file= h/help V/version
end

function __fish_pasv_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_pasv_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_pasv_using_subcommand
    set -l cmd (__fish_pasv_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c pasv -n "__fish_pasv_needs_command" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_needs_command" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_needs_command" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_needs_command" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_needs_command" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_needs_command" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_needs_command" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_needs_command" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_needs_command" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_needs_command" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_needs_command" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_needs_command" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_needs_command" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_needs_command" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_needs_command" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_needs_command" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_needs_command" -s f -l file -d 'Run the shell commands in SCRIPT (as when piped to stdin), stopping at the first error' -r -F
complete -c pasv -n "__fish_pasv_needs_command" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_needs_command" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_needs_command" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_needs_command" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_needs_command" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_needs_command" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_needs_command" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_needs_command" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_needs_command" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_needs_command" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_needs_command" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_needs_command" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_needs_command" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_needs_command" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_needs_command" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_needs_command" -a "get" -d 'Download files'
complete -c pasv -n "__fish_pasv_needs_command" -a "put" -d 'Upload files (a URL ending in / means "into this directory")'
complete -c pasv -n "__fish_pasv_needs_command" -a "mirror" -d 'Synchronise a tree: remote to local when SOURCE is a URL, local to remote when TARGET is'
complete -c pasv -n "__fish_pasv_needs_command" -a "deploy" -d 'Publish a build directory: upload what changed by content, delete what left (bounded), resume where a stopped run left off'
complete -c pasv -n "__fish_pasv_needs_command" -a "ls" -d 'List a directory'
complete -c pasv -n "__fish_pasv_needs_command" -a "cat" -d 'Download a file to stdout'
complete -c pasv -n "__fish_pasv_needs_command" -a "mkdir" -d 'Create a directory'
complete -c pasv -n "__fish_pasv_needs_command" -a "rm" -d 'Delete files'
complete -c pasv -n "__fish_pasv_needs_command" -a "rmdir" -d 'Remove an empty directory'
complete -c pasv -n "__fish_pasv_needs_command" -a "mv" -d 'Rename or move a remote file'
complete -c pasv -n "__fish_pasv_needs_command" -a "stat" -d 'Show type, size and modification time'
complete -c pasv -n "__fish_pasv_needs_command" -a "quote" -d 'Send raw commands and print the replies'
complete -c pasv -n "__fish_pasv_needs_command" -a "doctor" -d 'Diagnose passive mode, NAT address, EPSV, active mode and TLS against a server'
complete -c pasv -n "__fish_pasv_needs_command" -a "serve" -d 'Run a local FTP server (read-only unless --writable; --user/--password-env require a login; --tls serves FTPS)'
complete -c pasv -n "__fish_pasv_needs_command" -a "demo" -d 'A guided tour against a built-in server: login, passive mode, upload, listing, download'
complete -c pasv -n "__fish_pasv_needs_command" -a "config" -d 'Show or change the defaults in the config file: timeouts, -j, retries, passive mode, TLS, progress, verify'
complete -c pasv -n "__fish_pasv_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pasv -n "__fish_pasv_using_subcommand get" -s o -l output -d 'Target file (a symbolic link is followed; - is stdout), or an existing directory to download into' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand get" -l segments -d 'Download one big file over N connections at once (files under 16 MiB use one)' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -l exclude -d 'Leave out files and directories matching GLOB (repeatable; `*.tmp`, `build/**`)' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -l include -d 'Copy only files matching GLOB (repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -l limit-rate -d 'Cap the bandwidth of all connections together, bytes per second (500K, 2M, 1G)' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -l verify -d 'Verify each copy with the server\'s checksum (HASH, XSHA512, XSHA256, XSHA1, XMD5, SITE MD5, XCRC); without one, by size (said on stderr). --verify=strict fails instead (exit 5)' -r -f -a "auto\t'The server\'s checksum when it offers one, else the size'
strict\t'The server\'s checksum, or the file fails'"
complete -c pasv -n "__fish_pasv_using_subcommand get" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand get" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand get" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand get" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand get" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand get" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand get" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand get" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand get" -s c -l continue -d 'Resume a partial download'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l no-clobber -d 'Never overwrite an existing file (with -r: keep the local files, download the rest)'
complete -c pasv -n "__fish_pasv_using_subcommand get" -s r -l recursive -d 'Download a directory tree (URL names a directory; -o names the copy, or an existing directory to put it in)'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l create-dirs -d 'Create missing local directories of the target first (curl\'s --create-dirs)'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l no-verify -d 'Do not verify (undoes `verify` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l if-changed -d 'Skip files whose size and modification time already match (mirror always does)'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand get" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand get" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand get" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand get" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pasv -n "__fish_pasv_using_subcommand get" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l exclude -d 'Leave out files and directories matching GLOB (repeatable; `*.tmp`, `build/**`)' -r
complete -c pasv -n "__fish_pasv_using_subcommand put" -l include -d 'Copy only files matching GLOB (repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand put" -l limit-rate -d 'Cap the bandwidth of all connections together, bytes per second (500K, 2M, 1G)' -r
complete -c pasv -n "__fish_pasv_using_subcommand put" -l verify -d 'Verify each copy with the server\'s checksum (HASH, XSHA512, XSHA256, XSHA1, XMD5, SITE MD5, XCRC); without one, by size (said on stderr). --verify=strict fails instead (exit 5)' -r -f -a "auto\t'The server\'s checksum when it offers one, else the size'
strict\t'The server\'s checksum, or the file fails'"
complete -c pasv -n "__fish_pasv_using_subcommand put" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand put" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand put" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand put" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand put" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand put" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand put" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand put" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand put" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand put" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand put" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand put" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand put" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand put" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand put" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand put" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand put" -s c -l continue -d 'Resume a partial upload (APPE after the remote size)'
complete -c pasv -n "__fish_pasv_using_subcommand put" -s r -l recursive -d 'Upload directory trees'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l atomic -d 'Upload to a temporary name beside the target and rename it into place once verified'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l create-dirs -d 'Create missing remote directories of the target first (MKD of each missing level, once per directory; curl\'s --create-dirs)'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l no-verify -d 'Do not verify (undoes `verify` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l if-changed -d 'Skip files whose size and modification time already match (mirror always does)'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand put" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand put" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand put" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand put" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand put" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pasv -n "__fish_pasv_using_subcommand put" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l exclude -d 'Leave out files and directories matching GLOB (repeatable; `*.tmp`, `build/**`)' -r
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l include -d 'Copy only files matching GLOB (repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l limit-rate -d 'Cap the bandwidth of all connections together, bytes per second (500K, 2M, 1G)' -r
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l verify -d 'Verify each copy with the server\'s checksum (HASH, XSHA512, XSHA256, XSHA1, XMD5, SITE MD5, XCRC); without one, by size (said on stderr). --verify=strict fails instead (exit 5)' -r -f -a "auto\t'The server\'s checksum when it offers one, else the size'
strict\t'The server\'s checksum, or the file fails'"
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l newer -d 'Copy only files that are newer in the source'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l delete -d 'Delete files and directories that are in the target but no longer in the source'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l dry-run -d 'Print what would be done, change nothing'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l atomic -d 'Uploads: temporary name, verify, then rename into place'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -s c -l continue -d 'Resume partial files left by an interrupted run'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l no-verify -d 'Do not verify (undoes `verify` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l if-changed -d 'Skip files whose size and modification time already match (mirror always does)'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pasv -n "__fish_pasv_using_subcommand mirror" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l state-file -d 'The state file\'s name in the target directory' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l max-delete -d 'Stop before changing anything when more than N files (or N% of those the state lists) would be deleted [default: 10 or 10%, whichever is more, and never all of them]' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l protect -d 'Never delete or overwrite paths matching GLOB (repeatable; .well-known/** and the state file always)' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l chmod -d 'Set permissions with SITE CHMOD after upload: files, and directories too (644 or 644,755)' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l limit-rate -d 'Cap the bandwidth of all connections together, bytes per second (500K, 2M, 1G)' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l exclude -d 'Leave out files and directories matching GLOB (repeatable; `*.tmp`, `build/**`)' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l include -d 'Copy only files matching GLOB (repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l dry-run -d 'Print the plan (uploads, deletes, unchanged, bytes) and change nothing; with --json as one JSON object'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l adopt -d 'Without a state file: keep the server\'s files that match (same size, and the same checksum where the server offers one) instead of uploading them again'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l verify-remote -d 'Check every file the state lists against the server (listing sizes, and its checksum where offered), not only the directories this run changes'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l atomic -d 'Upload every changed file to a staging directory first, then rename them all into place at the end, so the site changes in one short burst'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l release-dir -d 'Upload the whole source into a new directory beside the target (www.pasv-release-ID), then switch it in with two renames, keeping the site it replaces as www.pasv-previous (for --rollback). Checks first that the server can rename a directory'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l rollback -d 'Swap the previous release (www.pasv-previous, left by --release-dir) back into place; the current one becomes the previous, so a second rollback undoes the first. Takes only the URL; --protect paths (and .well-known) move along into the release put back'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l break-lock -d 'Remove the deploy lock a killed run left (it stops every other run until it expires, 10 minutes after that run was last heard from), then deploy as usual. Only when no other deploy to this target is running'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand deploy" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand ls" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand ls" -s l -l long -d 'Long format: type, size, modification time, name'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand ls" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand cat" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand cat" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -s p -l parents -d 'Create missing parents; an existing directory is fine'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand mkdir" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand rm" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand rm" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand rmdir" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand mv" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand mv" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand stat" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand stat" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand quote" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand quote" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l write-probe -d 'Upload and delete a tiny file to measure the server\'s clock skew'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l bind -d 'Address to listen on' -r
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l port -d 'Control port (0 picks a free one)' -r
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l passive-ports -d 'Passive port range, FIRST-LAST' -r
complete -c pasv -n "__fish_pasv_using_subcommand serve" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand serve" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l writable -d 'Allow uploads, deletes and renames'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand serve" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l size -d 'Size of the demo upload in MiB' -r
complete -c pasv -n "__fish_pasv_using_subcommand demo" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand demo" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand demo" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -f -a "get" -d 'Print the value in effect (from the command line, [defaults] or pasv\'s default)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -f -a "set" -d 'Save a value in [defaults]'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -f -a "unset" -d 'Remove a key from [defaults] (back to pasv\'s default)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -f -a "list" -d 'Every key, its value and where it comes from (--json: one object per key)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -f -a "ls" -d 'Every key, its value and where it comes from (--json: one object per key)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -f -a "path" -d 'Print the config file\'s path'
complete -c pasv -n "__fish_pasv_using_subcommand config; and not __fish_seen_subcommand_from get set unset list ls path help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from get" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from set" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from unset" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from ls" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -s u -l user -d 'Log in as USER (overrides the URL\'s user); USER:PASSWORD gives the password too, as in curl (the command line is visible in `ps`: --password-env is safer)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l password-env -d 'Read the password from environment variable NAME' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l ca-file -d 'Trust the certificates in this PEM file too' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l pin -d 'Accept the server only if its public key has this pin (sha256//BASE64; repeatable)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l tls-min -d 'Lowest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l tls-max -d 'Highest TLS version' -r -f -a "1.2\t''
1.3\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l client-cert -d 'Client certificate (PEM), with --client-key' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l client-key -d 'Client private key (PEM)' -r -F
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l pasv-address -d 'Where passive data connections go: the control connection\'s peer, or the address in the 227 reply' -r -f -a "peer\t''
server\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l connect-timeout -d 'Seconds to wait for a connection' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l timeout -d 'Seconds to wait for any reply or data after connecting' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l noop-interval -d 'During transfers, send NOOP on the control connection every SECS seconds (for firewalls that drop an idle FTP control connection despite TCP keepalive)' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -s j -l parallel -d 'Parallel sessions for multi-file work' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l retries -d 'Retry transient failures N times' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l progress -d 'Progress on stderr: auto (a bar on a terminal, plain lines when CI is set, else none; off with -q or --json), bar, plain (lines for logs: a lone file\'s start, progress every --progress-interval, each file\'s end, a summary; also with -q), or none' -r -f -a "auto\t''
bar\t''
plain\t''
none\t''"
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l progress-interval -d 'Seconds between the plain progress lines of a running transfer [default: 5]' -r
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l tls -d 'Use explicit TLS (AUTH TLS) on an ftp:// URL'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l no-tls -d 'Leave ftp:// URLs in plain FTP (undoes `tls = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -s k -l insecure -d 'Do not verify the server\'s certificate (dangerous; says so on stderr)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l clear-data -d 'Send files and listings unencrypted after a TLS login (PROT C)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l active -d 'Active mode: the server connects back to us (EPRT/PORT)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l passive -d 'Passive mode (the default; undoes `active = true` in the config file\'s [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l no-epsv -d 'Use PASV only, never EPSV'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l epsv -d 'Try EPSV before PASV (the default; undoes `no-epsv = true` in [defaults])'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -s v -l verbose -d 'Trace the protocol on stderr (passwords redacted)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -s q -l quiet -d 'Print only errors'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l json -d 'Print results as JSON lines on stdout'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l no-netrc -d 'Do not read ~/.netrc'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -l no-glob -d 'Take `*`, `?`, `[` and `\\` in URLs literally, as curl\'s --globoff: get, cat, ls and rm then name one path each instead of expanding a wildcard in the URL\'s last segment'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -s h -l help -d 'Print help'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from path" -s V -l version -d 'Print version'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "get" -d 'Print the value in effect (from the command line, [defaults] or pasv\'s default)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "set" -d 'Save a value in [defaults]'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "unset" -d 'Remove a key from [defaults] (back to pasv\'s default)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every key, its value and where it comes from (--json: one object per key)'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "path" -d 'Print the config file\'s path'
complete -c pasv -n "__fish_pasv_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "get" -d 'Download files'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "put" -d 'Upload files (a URL ending in / means "into this directory")'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "mirror" -d 'Synchronise a tree: remote to local when SOURCE is a URL, local to remote when TARGET is'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "deploy" -d 'Publish a build directory: upload what changed by content, delete what left (bounded), resume where a stopped run left off'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "ls" -d 'List a directory'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "cat" -d 'Download a file to stdout'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "mkdir" -d 'Create a directory'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "rm" -d 'Delete files'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "rmdir" -d 'Remove an empty directory'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "mv" -d 'Rename or move a remote file'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "stat" -d 'Show type, size and modification time'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "quote" -d 'Send raw commands and print the replies'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "doctor" -d 'Diagnose passive mode, NAT address, EPSV, active mode and TLS against a server'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "serve" -d 'Run a local FTP server (read-only unless --writable; --user/--password-env require a login; --tls serves FTPS)'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "demo" -d 'A guided tour against a built-in server: login, passive mode, upload, listing, download'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "config" -d 'Show or change the defaults in the config file: timeouts, -j, retries, passive mode, TLS, progress, verify'
complete -c pasv -n "__fish_pasv_using_subcommand help; and not __fish_seen_subcommand_from get put mirror deploy ls cat mkdir rm rmdir mv stat quote doctor serve demo config help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c pasv -n "__fish_pasv_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "get" -d 'Print the value in effect (from the command line, [defaults] or pasv\'s default)'
complete -c pasv -n "__fish_pasv_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "set" -d 'Save a value in [defaults]'
complete -c pasv -n "__fish_pasv_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "unset" -d 'Remove a key from [defaults] (back to pasv\'s default)'
complete -c pasv -n "__fish_pasv_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "list" -d 'Every key, its value and where it comes from (--json: one object per key)'
complete -c pasv -n "__fish_pasv_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "path" -d 'Print the config file\'s path'
