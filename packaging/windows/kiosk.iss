; Inno Setup 6 script: installer for the kiosk's one-folder bundle on Windows 10/11 (x64).
;
; 1. Build the bundle on Windows, from the repository root (docs/deploy.md, "Building on Windows"):
;      py -3.11 -m venv .venv && .venv\Scripts\pip install -e ".[package]"
;      .venv\Scripts\python packaging\build_kiosk.py
;    which leaves build\pyinstaller\dist\kiosk\kiosk.exe (+ kiosk-console.exe, _internal\).
; 2. Compile this script:
;      "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" packaging\windows\kiosk.iss
;    or with another version / bundle:  ISCC /DAppVersion=0.2.0 /DBundleDir=C:\path\to\kiosk kiosk.iss
;    The installer lands in build\installer\kiosk-setup-<version>.exe.
;
; The installer puts the bundle in Program Files, adds Start-menu entries (cashier screen, printer test),
; and optionally starts the kiosk full-screen at logon with C:\ProgramData\Kiosk\kiosk.toml. The journal and
; caches stay in %LOCALAPPDATA%\kiosk; they and kiosk.toml survive uninstall and upgrades.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\..\build\pyinstaller\dist\kiosk"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\build\installer"
#endif

[Setup]
; Keep AppId fixed across versions: it is how an upgrade finds the installed kiosk.
AppId={{BF3D7712-19D2-434F-8BCB-C8C4B41F9DE9}
AppName=Kiosk
AppVersion={#AppVersion}
AppVerName=Kiosk {#AppVersion}
AppPublisher=Kiosk
DefaultDirName={autopf}\Kiosk
DefaultGroupName=Kiosk
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#OutputDir}
OutputBaseFilename=kiosk-setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
UninstallDisplayIcon={app}\kiosk.exe
; An upgrade while the kiosk runs: close it (it is restarted after setup when "start at logon" is on).
CloseApplications=yes
RestartApplications=no

[Languages]
#if FileExists(AddBackslash(CompilerPath) + "Languages\ChineseSimplified.isl")
Name: "chinesesimplified"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
#endif
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "autostart"; Description: "Start the cashier screen full-screen at every logon, with C:\ProgramData\Kiosk\kiosk.toml"; Flags: unchecked
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Dirs]
; kiosk.toml (relay URL and this kiosk's token) goes here; see docs/deploy.md.
Name: "{commonappdata}\Kiosk"; Flags: uninsneveruninstall

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; Files of an older version that the new bundle no longer has must not be loaded by it.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\Kiosk"; Filename: "{app}\kiosk.exe"
Name: "{group}\Kiosk (full screen)"; Filename: "{app}\kiosk.exe"; Parameters: "--kiosk"
Name: "{group}\Printer test"; Filename: "{cmd}"; Parameters: "/k ""{app}\kiosk-console.exe"" printer-test --help"; WorkingDir: "{app}"
Name: "{autodesktop}\Kiosk"; Filename: "{app}\kiosk.exe"; Tasks: desktopicon
Name: "{commonstartup}\Kiosk"; Filename: "{app}\kiosk.exe"; Parameters: "--kiosk --config ""{commonappdata}\Kiosk\kiosk.toml"""; Tasks: autostart

[Run]
Filename: "{app}\kiosk.exe"; Description: "{cm:LaunchProgram,Kiosk}"; Flags: nowait postinstall skipifsilent
