# fish completion for sealpost(8)
# SPDX-License-Identifier: MIT
#
# Options follow src/cli.c. Account names come from the [account NAME]
# lines of the configuration file sealpost would read: -C FILE from the
# command line, else $XDG_CONFIG_HOME/sealpost/config (or
# ~/.config/sealpost/config) when it exists, else /etc/sealpost.conf.

# The configuration file in use for the current command line.
function __sealpost_config_file
    set -l tokens (commandline -opc)
    set -l file
    set -l n (count $tokens)
    for i in (seq 2 $n)
        set -l w $tokens[$i]
        if test "$w" = --
            break
        else if test "$w" = -C
            if test $i -lt $n
                set file $tokens[(math $i + 1)]
            end
        else if string match -q -- '-C?*' $w
            set file (string sub -s 3 -- $w)
        end
    end
    if test -n "$file"
        # Expand a leading ~ only; never evaluate the word.
        set file (string replace -r -- '^~(?=/|$)' $HOME $file)
        echo $file
        return
    end
    set -l user
    if string match -q -- '/*' "$XDG_CONFIG_HOME"
        set user $XDG_CONFIG_HOME/sealpost/config
    else if string match -q -- '/*' "$HOME"
        set user $HOME/.config/sealpost/config
    end
    if test -n "$user"; and test -e $user
        echo $user
    else
        echo /etc/sealpost.conf
    end
end

# The account names defined in that file.
function __sealpost_accounts
    set -l file (__sealpost_config_file)
    test -f $file; and test -r $file; or return 0
    string replace -r -f -- '^\s*\[account\s+([^\]\s]+)\s*\].*$' '$1' <$file
end

# DSN NOTIFY values: "never", or a comma list of success, failure, delay.
function __sealpost_notify
    set -l cur (commandline -ct)
    set -l words success failure delay
    if string match -q -- '*,*' $cur
        set -l prefix (string replace -r -- ',[^,]*$' ',' $cur)
        set -l used (string split , -- (string lower -- $prefix))
        for w in $words
            contains -- $w $used; or echo $prefix$w
        end
    else
        printf '%s\n' never $words
    end
end

complete -c sealpost -f

# Message and envelope
complete -c sealpost -s t -d 'Also take recipients from To:, Cc:, Bcc:'
complete -c sealpost -s i -d 'A line with a single dot is data'
complete -c sealpost -o oi -d 'A line with a single dot is data'
complete -c sealpost -s f -x -d 'Envelope sender'
complete -c sealpost -s r -x -d 'Envelope sender'
complete -c sealpost -l read-envelope-from -d 'Without -f, the envelope sender is the address of From:'
complete -c sealpost -s F -x -d 'Full name for an added From: header'
complete -c sealpost -s N -x -a '(__sealpost_notify)' -d 'DSN notification'
complete -c sealpost -s R -x -a 'full hdrs' -d 'DSN return type'
complete -c sealpost -s V -x -d 'DSN envelope id'
complete -c sealpost -s B -x -a '7BIT 8BITMIME' -d 'Body type'

# Modes
complete -c sealpost -o odi -d 'Deliver in the foreground'
complete -c sealpost -o odb -d 'Queue, then deliver in the background'
complete -c sealpost -o bm -d 'Send (default)'
complete -c sealpost -o bp -d 'List the queue'
complete -c sealpost -o bs -d 'SMTP on stdin/stdout'
complete -c sealpost -o bi -d 'Do nothing (newaliases)'
complete -c sealpost -s I -d 'Do nothing (newaliases)'
complete -c sealpost -s q -d 'Run the queue once'
complete -c sealpost -l flush -d 'Attempt every queued entry now'
complete -c sealpost -o qI -x -d 'Attempt now (with -bp, list) entries whose queue id contains this'
complete -c sealpost -o qR -x -d 'Attempt now (with -bp, list) entries with a recipient containing this'
complete -c sealpost -o qS -x -d 'Attempt now (with -bp, list) entries whose sender contains this'
complete -c sealpost -l json -d 'With -bp, one JSON object per queue entry'
complete -c sealpost -l delete -d 'Remove the queue entries whose ids follow'
complete -c sealpost -l hold -d 'Keep the queue entries whose ids follow from being attempted'
complete -c sealpost -l release -d 'Take the queue entries whose ids follow off hold'

# Configuration and diagnostics
complete -c sealpost -s C -r -F -d 'Configuration file'
complete -c sealpost -s a -x -a '(__sealpost_accounts)' -d Account
complete -c sealpost -l account -x -a '(__sealpost_accounts)' -d Account
complete -c sealpost -s L -x -d 'Syslog tag'
complete -c sealpost -s v -d 'Protocol transcript on stderr (-vv: debug)'
complete -c sealpost -o vv -d 'Protocol transcript with debug detail'
complete -c sealpost -l probe -f -a '(__fish_print_hostnames)' -d 'Show TLS, certificate and capabilities (--probe=DOMAIN: its MX hosts); send nothing'
complete -c sealpost -l check-config -d 'Check and show the configuration'
complete -c sealpost -l import -x -a 'msmtp ssmtp dma' -d 'Print an msmtp, ssmtp or dma configuration converted for sealpost'
complete -c sealpost -l version -d 'Print the version'
complete -c sealpost -l help -d 'Print a summary of the options'
