#!/usr/bin/python3
'''A daemon that owns org.freedesktop.NetworkManager on the bus and misbehaves, for the
library's hostile-daemon tests. One good profile (/org/freedesktop/NetworkManager/Settings/1,
"Good", uuid 11111111-...) is always there so a test can see the library still works; the
rest depends on the mode:

  wrong-types   properties, replies and signals of the wrong D-Bus types
  missing       objects without properties, settings without a connection section
  absurd-paths  object paths outside NetworkManager's tree, very long ones, dangling ones
  silent        never answers GetManagedObjects, GetSettings or ActivateConnection

Signals of the same kind are sent after 300 ms and then every time Poke() (on the
org.freedesktop.DBus.Mock interface of /org/freedesktop) is called.
Usage: hostile_nm.py MODE   (DBUS_SYSTEM_BUS_ADDRESS names the bus)
'''
import os
import sys

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

NM = 'org.freedesktop.NetworkManager'
NM_PATH = '/org/freedesktop/NetworkManager'
OM = 'org.freedesktop.DBus.ObjectManager'
PROPS = 'org.freedesktop.DBus.Properties'
GOOD = NM_PATH + '/Settings/1'
GOOD_UUID = '11111111-2222-3333-4444-555555555555'
MODE = sys.argv[1] if len(sys.argv) > 1 else 'wrong-types'


def sv(d):
    return dbus.Dictionary(d, signature='sv')


def good_objects():
    return {
        dbus.ObjectPath(NM_PATH): {NM: sv({'State': dbus.UInt32(70), 'Connectivity': dbus.UInt32(4),
                                           'PrimaryConnection': dbus.ObjectPath('/')})},
        dbus.ObjectPath(GOOD): {NM + '.Settings.Connection': sv({'Unsaved': False})},
        dbus.ObjectPath(NM_PATH + '/Devices/1'): {NM + '.Device': sv({
            'Interface': 'hostile0', 'DeviceType': dbus.UInt32(1), 'State': dbus.UInt32(30),
            'Managed': True, 'AvailableConnections': dbus.Array([dbus.ObjectPath(GOOD)], signature='o')})},
    }


def bad_objects():
    if MODE == 'wrong-types':
        return {
            dbus.ObjectPath(NM_PATH): {NM: sv({'State': 'connected', 'PrimaryConnection': dbus.UInt32(7),
                                               'Connectivity': dbus.Array([1, 2], signature='i')})},
            dbus.ObjectPath(NM_PATH + '/Devices/2'): {NM + '.Device': sv({
                'Interface': dbus.UInt32(5), 'State': 'up', 'AvailableConnections': dbus.Array(['x'], signature='s'),
                'StateReason': 'none'})},
            dbus.ObjectPath(NM_PATH + '/ActiveConnection/1'): {NM + '.Connection.Active': sv({
                'Connection': dbus.Boolean(True), 'State': 'activated', 'Devices': 'all'})},
            dbus.ObjectPath(NM_PATH + '/Settings/2'): {NM + '.Settings.Connection': sv({})},
        }
    if MODE == 'missing':
        return {
            dbus.ObjectPath(NM_PATH + '/Devices/2'): {NM + '.Device': sv({})},
            dbus.ObjectPath(NM_PATH + '/ActiveConnection/1'): {NM + '.Connection.Active': sv({})},
            dbus.ObjectPath(NM_PATH + '/Settings/2'): {NM + '.Settings.Connection': sv({})},
            dbus.ObjectPath(NM_PATH + '/Settings/3'): {},
        }
    if MODE == 'absurd-paths':
        long_path = NM_PATH + '/Settings/' + 'x' * 5000
        return {
            dbus.ObjectPath('/'): {NM + '.Settings.Connection': sv({})},
            dbus.ObjectPath('/org/evil/Settings/1'): {NM + '.Settings.Connection': sv({})},
            dbus.ObjectPath(long_path): {NM + '.Settings.Connection': sv({})},
            dbus.ObjectPath(NM_PATH + '/Devices/2'): {NM + '.Device': sv({
                'Interface': 'x' * 300, 'State': dbus.UInt32(100),
                'ActiveConnection': dbus.ObjectPath('/org/evil/ActiveConnection/1'),
                'AvailableConnections': dbus.Array([dbus.ObjectPath('/org/evil/Settings/1'), dbus.ObjectPath(long_path),
                                                    dbus.ObjectPath(NM_PATH + '/Settings/999')], signature='o')})},
            dbus.ObjectPath(NM_PATH + '/ActiveConnection/1'): {NM + '.Connection.Active': sv({
                'Connection': dbus.ObjectPath(NM_PATH + '/Settings/999'), 'State': dbus.UInt32(2),
                'Devices': dbus.Array([dbus.ObjectPath('/')], signature='o')})},
        }
    return {}


class Root(dbus.service.Object):
    '''/org/freedesktop: the ObjectManager, and the Poke() control.'''

    @dbus.service.method(OM, in_signature='', out_signature='a{oa{sa{sv}}}', async_callbacks=('ok', 'err'))
    def GetManagedObjects(self, ok, err):
        if MODE == 'silent':
            return      # never answers
        objects = good_objects()
        objects.update(bad_objects())
        ok(dbus.Dictionary(objects, signature='oa{sa{sv}}'))

    @dbus.service.method('org.freedesktop.DBus.Mock', in_signature='', out_signature='')
    def Poke(self):
        emit_garbage(self)

    @dbus.service.signal(OM, signature='oa{sa{sv}}')
    def InterfacesAdded(self, path, interfaces):
        pass


def answer(connection, message):
    '''Method calls to every path but /org/freedesktop, answered according to the mode.'''
    if message.get_type() != dbus.lowlevel.MESSAGE_TYPE_METHOD_CALL or message.get_path() == '/org/freedesktop':
        return dbus.lowlevel.HANDLER_RESULT_NOT_YET_HANDLED
    if message.get_destination() == 'org.freedesktop.DBus':
        return dbus.lowlevel.HANDLER_RESULT_NOT_YET_HANDLED
    member, path = message.get_member(), message.get_path()
    if message.get_no_reply():
        return dbus.lowlevel.HANDLER_RESULT_HANDLED
    if True:
        reply = None
        if MODE == 'silent' and member in ('GetSettings', 'ActivateConnection', 'GetPermissions', 'DeactivateConnection'):
            return dbus.lowlevel.HANDLER_RESULT_HANDLED
        if member == 'GetSettings':
            if path == GOOD:
                reply = dbus.lowlevel.MethodReturnMessage(message)
                reply.append(dbus.Dictionary({'connection': sv({'id': 'Good', 'uuid': GOOD_UUID,
                                                                'type': '802-3-ethernet'})}, signature='sa{sv}'))
            elif MODE == 'wrong-types':
                reply = dbus.lowlevel.MethodReturnMessage(message)
                reply.append('garbage', dbus.UInt32(3))
            else:
                reply = dbus.lowlevel.MethodReturnMessage(message)
                reply.append(dbus.Dictionary({'ipv4': sv({'method': 'auto'})}, signature='sa{sv}'))
        elif member == 'GetPermissions':
            reply = dbus.lowlevel.MethodReturnMessage(message)
            if MODE == 'wrong-types':
                reply.append(dbus.Array(['network-control'], signature='s'))
            else:
                reply.append(dbus.Dictionary({NM + '.network-control': 'yes'}, signature='ss'))
        elif member == 'ActivateConnection':
            reply = dbus.lowlevel.MethodReturnMessage(message)
            if MODE == 'wrong-types':
                reply.append(dbus.UInt32(42))
            elif MODE == 'absurd-paths':
                reply.append(dbus.ObjectPath('/org/evil/ActiveConnection/' + 'y' * 3000))
            else:
                reply.append(dbus.ObjectPath('/'))
        else:
            reply = dbus.lowlevel.ErrorMessage(message, 'org.freedesktop.DBus.Error.UnknownMethod', 'no')
        connection.send_message(reply)
    return dbus.lowlevel.HANDLER_RESULT_HANDLED


def emit_garbage(root):
    bus = root.connection
    def signal(path, iface, member, *args, sig=None):
        m = dbus.lowlevel.SignalMessage(path, iface, member)
        if args:
            m.append(*args, signature=sig)
        bus.send_message(m)
    if MODE == 'wrong-types':
        signal(NM_PATH, PROPS, 'PropertiesChanged', 'x', dbus.UInt32(1), sig='su')
        signal(NM_PATH, PROPS, 'PropertiesChanged', NM, sv({'State': 'yes', 'PrimaryConnection': 5}), ['a'], sig='sa{sv}as')
        signal(NM_PATH + '/Devices/1', PROPS, 'PropertiesChanged', NM + '.Device',
               sv({'AvailableConnections': dbus.Array([1, 2], signature='u')}), dbus.Array([], signature='s'), sig='sa{sv}as')
        signal('/org/freedesktop', OM, 'InterfacesAdded', 'not-a-dict', sig='s')
        signal('/org/freedesktop', OM, 'InterfacesRemoved', dbus.ObjectPath(GOOD), dbus.UInt32(1), sig='ou')
        signal(NM_PATH + '/ActiveConnection/1', NM + '.Connection.Active', 'StateChanged', 'four', sig='s')
        signal(NM_PATH + '/Devices/1', NM + '.Device', 'StateChanged', sig=None)
        signal(NM_PATH, NM, 'StateChanged', dbus.Array([dbus.Byte(1)], signature='y'), sig='ay')
        signal(GOOD, NM + '.Settings.Connection', 'Updated', 'now', sig='s')
    elif MODE == 'missing':
        signal(NM_PATH, PROPS, 'PropertiesChanged', sig=None)
        signal('/org/freedesktop', OM, 'InterfacesAdded', sig=None)
        signal('/org/freedesktop', OM, 'InterfacesAdded', dbus.ObjectPath(NM_PATH + '/Settings/7'),
               dbus.Dictionary({}, signature='sa{sv}'), sig='oa{sa{sv}}')
        signal(NM_PATH + '/ActiveConnection/9', NM + '.Connection.Active', 'StateChanged', sig=None)
    elif MODE == 'absurd-paths':
        long_path = NM_PATH + '/Devices/' + 'z' * 8000
        signal('/org/freedesktop', OM, 'InterfacesAdded', dbus.ObjectPath(long_path),
               dbus.Dictionary({NM + '.Device': sv({'Interface': 'z'})}, signature='sa{sv}'), sig='oa{sa{sv}}')
        signal('/org/evil', PROPS, 'PropertiesChanged', NM, sv({'State': dbus.UInt32(20)}),
               dbus.Array([], signature='s'), sig='sa{sv}as')
        signal(NM_PATH, PROPS, 'PropertiesChanged', NM, sv({'PrimaryConnection': dbus.ObjectPath('/org/evil/x')}),
               dbus.Array([], signature='s'), sig='sa{sv}as')
    # Every mode: the good profile is updated (a GetSettings round).
    signal(GOOD, NM + '.Settings.Connection', 'Updated')


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(os.environ['DBUS_SYSTEM_BUS_ADDRESS'])
    root = Root(bus, '/org/freedesktop')
    bus.add_message_filter(answer)
    name = dbus.service.BusName(NM, bus)  # released when collected: keep it
    GLib.timeout_add(300, lambda: (emit_garbage(root), False)[1])
    GLib.MainLoop().run()
    del name


if __name__ == '__main__':
    main()
