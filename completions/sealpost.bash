# bash completion for sealpost(8)                        -*- shell-script -*-
# SPDX-License-Identifier: MIT
#
# Options follow src/cli.c. Account names come from the [account NAME]
# lines of the configuration file sealpost would read: -C FILE from the
# command line, else $XDG_CONFIG_HOME/sealpost/config (or
# ~/.config/sealpost/config) when it exists, else /etc/sealpost.conf.
# Self-contained: does not need the bash-completion package's helpers.

# Print the configuration file in use for the words of the current line.
_sealpost_config_file()
{
    local i w file=
    for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
        ((i == COMP_CWORD)) && continue
        w=${COMP_WORDS[i]}
        [[ $w == -- ]] && break
        case $w in
            -C)
                if ((i + 1 < ${#COMP_WORDS[@]} && i + 1 != COMP_CWORD)); then
                    file=${COMP_WORDS[i + 1]}
                fi
                ;;
            -C?*) file=${w#-C} ;;
        esac
    done
    if [[ -n $file ]]; then
        # Expand a leading ~ or ~/ only; never evaluate the word.
        case $file in
            "~") file=$HOME ;;
            "~/"*) file=$HOME/${file#"~/"} ;;
        esac
        printf '%s\n' "$file"
        return
    fi
    local user
    if [[ ${XDG_CONFIG_HOME-} == /* ]]; then
        user=$XDG_CONFIG_HOME/sealpost/config
    elif [[ ${HOME-} == /* ]]; then
        user=$HOME/.config/sealpost/config
    fi
    if [[ -n ${user-} && -e $user ]]; then
        printf '%s\n' "$user"
    else
        printf '%s\n' /etc/sealpost.conf
    fi
}

# Print the account names defined in the configuration file in use.
_sealpost_accounts()
{
    local file line re='^[[:space:]]*\[account[[:space:]]+([^][:space:]]+)[[:space:]]*\]'
    file=$(_sealpost_config_file)
    [[ -f $file && -r $file ]] || return 0
    while IFS= read -r line || [[ -n $line ]]; do
        [[ $line =~ $re ]] && printf '%s\n' "${BASH_REMATCH[1]}"
    done <"$file"
}

# Complete a comma list of DSN NOTIFY keywords (or "never" alone).
_sealpost_notify()
{
    local cur=$1 prefix= last word used
    local -a words=(success failure delay)
    if [[ $cur == *,* ]]; then
        prefix=${cur%,*},
        last=${cur##*,}
    else
        last=$cur
    fi
    if [[ -z $prefix ]]; then
        COMPREPLY=($(compgen -W "never ${words[*]}" -- "$last"))
        return
    fi
    used=,${prefix,,}
    COMPREPLY=()
    for word in "${words[@]}"; do
        [[ $used == *",$word,"* ]] && continue
        [[ $word == "$last"* ]] && COMPREPLY+=("$prefix$word")
    done
}

_sealpost()
{
    local cur prev i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=
    ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
    COMPREPLY=()

    # After "--" everything is a recipient.
    for ((i = 1; i < COMP_CWORD; i++)); do
        [[ ${COMP_WORDS[i]} == -- ]] && return 0
    done

    # bash splits "--account=NAME" at "=" (COMP_WORDBREAKS): the words are
    # then "--account" "=" "NAME".
    if [[ $cur == = && $prev == --account ]]; then
        COMPREPLY=($(compgen -W "$(_sealpost_accounts)" -- ""))
        return 0
    fi
    if [[ $prev == = ]] && ((COMP_CWORD > 1)); then
        case ${COMP_WORDS[COMP_CWORD - 2]} in
            --account)
                COMPREPLY=($(compgen -W "$(_sealpost_accounts)" -- "$cur"))
                ;;
        esac
        return 0
    fi

    # --import FORMAT FILE: the format, then the file to convert.
    if ((COMP_CWORD > 1)) && [[ ${COMP_WORDS[COMP_CWORD - 2]} == --import ]]; then
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -f -- "$cur"))
        return 0
    fi

    # The value of an option given as a separate word.
    case $prev in
        --import)
            COMPREPLY=($(compgen -W "msmtp ssmtp dma" -- "$cur"))
            return 0
            ;;
        -C)
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "$cur"))
            return 0
            ;;
        -a | --account)
            COMPREPLY=($(compgen -W "$(_sealpost_accounts)" -- "$cur"))
            return 0
            ;;
        -N)
            _sealpost_notify "$cur"
            return 0
            ;;
        -R)
            COMPREPLY=($(compgen -W "full hdrs" -- "$cur"))
            return 0
            ;;
        -B)
            COMPREPLY=($(compgen -W "7BIT 8BITMIME" -- "$cur"))
            return 0
            ;;
        -f | -r | -F | -V | -L | -h | -p | -O | -X | -qI | -qR | -qS)
            # Free-form values: nothing sensible to offer.
            return 0
            ;;
    esac

    # The value attached to the option word (-CFILE, -Nfailure, --account=NAME).
    case $cur in
        --account=*)
            COMPREPLY=($(compgen -W "$(_sealpost_accounts)" -- "${cur#--account=}"))
            return 0
            ;;
        -C?*)
            compopt -o filenames 2>/dev/null
            local f
            while IFS= read -r f; do
                COMPREPLY+=("-C$f")
            done < <(compgen -f -- "${cur#-C}")
            return 0
            ;;
        -a?*)
            COMPREPLY=($(compgen -P -a -W "$(_sealpost_accounts)" -- "${cur#-a}"))
            return 0
            ;;
        -N?*)
            _sealpost_notify "${cur#-N}"
            COMPREPLY=("${COMPREPLY[@]/#/-N}")
            return 0
            ;;
        -R?*)
            COMPREPLY=($(compgen -P -R -W "full hdrs" -- "${cur#-R}"))
            return 0
            ;;
        -B?*)
            COMPREPLY=($(compgen -P -B -W "7BIT 8BITMIME" -- "${cur#-B}"))
            return 0
            ;;
        -*)
            local opts="-t -i -oi -f -r --read-envelope-from -F -N -R -V -B -odi -odb -bm -bp -bs -bi
                -I -q -qI -qR -qS -C -a -L -v -vv -- --account= --flush --json
                --delete --hold --release --probe --probe= --check-config --import --version
                --help"
            COMPREPLY=($(compgen -W "$opts" -- "$cur"))
            # Do not add a space after options that take an attached value.
            if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
                compopt -o nospace 2>/dev/null
            fi
            return 0
            ;;
    esac
    # Recipients: addresses, nothing to complete.
    return 0
}

complete -F _sealpost sealpost

# ex: filetype=sh
